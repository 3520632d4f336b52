/// One value of a flat JSON object body, as JSON typed it: a string is not a number, a boolean is not 1.
enum JSONFieldValue: Decodable, Sendable, Equatable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    /// An array or an object: never a form field.
    case nested

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else {
            self = .nested
        }
    }

    /// The field's text for the parsers that read forms too, or a 400 naming the field when JSON gave the wrong type.
    /// null reads as empty (absent for flags, "never" for `expires_at`, no cover), as a form's empty field does. A
    /// JSON body says what type it means, so a flag must be a boolean and a number an integer: `"true"` or `""` there
    /// is a 400, as the API document says (forms, whose fields are all text, are read by `FormFields`).
    func text(named name: String, kind: RequestFields.FieldKind) throws -> String {
        switch (kind, self) {
        case (_, .null): return ""
        case (.text, .string(let text)): return text
        case (.flag, .bool(let value)): return value ? "true" : "false"
        case (.number, .integer(let value)): return String(value)
        case (.text, _): throw APIError.badRequest("The field \u{201C}\(name)\u{201D} must be a string.")
        case (.flag, _): throw APIError.badRequest("The field \u{201C}\(name)\u{201D} must be true or false.")
        case (.number, .number):
            throw APIError.badRequest("The field \u{201C}\(name)\u{201D} is not a whole number in range.")
        case (.number, _): throw APIError.badRequest("The field \u{201C}\(name)\u{201D} must be a whole number.")
        }
    }
}
