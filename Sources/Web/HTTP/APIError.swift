import HTTPTypes
import Ingest

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

    /// The answer to a file that cannot become a photo: 415, 413 or 503 with the inspection's sentence.
    init(_ error: IngestError) {
        switch error.code {
        case .unsupportedType: self = .unsupportedType(error.message)
        case .tooLarge: self = .tooLarge(error.message)
        case .unavailable: self = .unavailable(error.message)
        }
    }

    static func badRequest(_ message: String) -> APIError { APIError(.badRequest, "bad_request", message) }
    static func notFound(_ message: String = "There is nothing here.") -> APIError {
        APIError(.notFound, "not_found", message)
    }
    static func tooLarge(_ message: String) -> APIError { APIError(.contentTooLarge, "too_large", message) }
    static func unsupportedType(_ message: String) -> APIError {
        APIError(.unsupportedMediaType, "unsupported_media_type", message)
    }
    static func unavailable(_ message: String) -> APIError { APIError(.serviceUnavailable, "unavailable", message) }
    static func insufficientStorage() -> APIError {
        APIError(
            HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage"), "insufficient_storage",
            "The server's disk is full; nothing was saved. Try again later.")
    }
}
