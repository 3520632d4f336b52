import Foundation
import HTTPTypes
import Hummingbird

/// Gives every request an id: the client's `X-Request-ID` when it is sane (1–128 letters, digits, `-`, `_`, `.`),
/// otherwise a new UUID. The id goes back in the response header and into the logger metadata (`request.id`)
/// of everything the request logs, so one request's lines can be found together.
struct RequestIDMiddleware<Context: RequestContext>: RouterMiddleware {
    static var headerName: HTTPField.Name { HTTPField.Name("X-Request-ID")! }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let id = request.headers[Self.headerName].flatMap(Self.sanitized) ?? UUID().uuidString.lowercased()
        var context = context
        context.logger[metadataKey: "request.id"] = .string(id)
        var response = try await next(request, context)
        response.headers[Self.headerName] = id
        return response
    }

    /// The id when it is short and made of safe characters only; nil otherwise (a new one is made).
    static func sanitized(_ value: String) -> String? {
        guard (1...128).contains(value.utf8.count) else { return nil }
        let safe = value.utf8.allSatisfy { byte in
            (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte) || byte == 45 || byte == 95 || byte == 46
        }
        return safe ? value : nil
    }
}
