import HTTPTypes

/// An error answered to the client: a status, a stable snake_case code and one readable sentence.
/// Rendered as `{"error": code, "message": text}` or as an error page, depending on what the client accepts.
public struct APIError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    /// Seconds the client should wait before trying again (`Retry-After`), for 429 and 503.
    public var retryAfter: Int? = nil

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    static func badRequest(_ message: String) -> APIError { APIError(.badRequest, "bad_request", message) }
    static func notFound(_ message: String = "There is nothing here.") -> APIError { APIError(.notFound, "not_found", message) }
    static func tooLarge(_ message: String) -> APIError { APIError(.contentTooLarge, "too_large", message) }
    static func unsupportedType(_ message: String) -> APIError { APIError(.unsupportedMediaType, "unsupported_media_type", message) }
    static func unavailable(_ message: String) -> APIError { APIError(.serviceUnavailable, "unavailable", message) }
    static func insufficientStorage() -> APIError {
        APIError(HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage"), "insufficient_storage", "The server's disk is full; nothing was saved. Try again later.")
    }
}
