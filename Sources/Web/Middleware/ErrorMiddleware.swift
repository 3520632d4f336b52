import Database
import Hummingbird
import Ingest
import Logging
import Storage

/// Turns every error into a clear answer: JSON `{"error", "message"}` for API clients, a page for browsers.
/// Database and storage outages become 503; anything unexpected is logged and answered with a 500 that shows nothing internal.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let renderer: PageRenderer
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let required as PasswordRequired {
            return required.response
        } catch {
            let apiError = map(error, request: request, logger: context.logger)
            var response: Response
            if request.wantsHTML {
                // A share link's guest sees a plain page: no navigation into the rest of the site.
                response = renderer.page(
                    request.uri.path.hasPrefix("/s/") ? "shareerror" : "error",
                    ErrorPage(
                        title: apiError.status.reasonPhrase, status: apiError.status.code, message: apiError.message),
                    status: apiError.status)
            } else {
                response = JSONResponse.make(
                    ErrorJSON(error: apiError.code, message: apiError.message), status: apiError.status)
            }
            if let retryAfter = apiError.retryAfter {
                response.headers[.retryAfter] = String(retryAfter)
            } else if apiError.status == .serviceUnavailable {
                // Outages and full upload slots are short-lived: tell clients when to try again.
                response.headers[.retryAfter] = String(Self.retryAfterSeconds)
            }
            return response
        }
    }

    /// What `Retry-After` says on a 503.
    static var retryAfterSeconds: Int { 5 }

    private func map(_ error: any Error, request: Request, logger: Logger) -> APIError {
        switch error {
        case let error as APIError: return error
        case let error as IngestError: return APIError(error)
        case let error as DatabaseError:
            logger.error(
                "database error",
                metadata: [
                    "error": "\(error)", "underlying": "\(error.underlying.map { "\($0)" } ?? "")",
                    "http.path": "\(request.uri.path)",
                ])
            return .unavailable("The database is unavailable right now; nothing was saved. Try again shortly.")
        case let error as StorageError where error.code == .outOfSpace:
            logger.error("storage full", metadata: ["error": "\(error)", "http.path": "\(request.uri.path)"])
            return .insufficientStorage()
        case let error as StorageError:
            logger.error("storage error", metadata: ["error": "\(error)", "http.path": "\(request.uri.path)"])
            return .unavailable("Storage is unavailable right now; nothing was saved. Try again shortly.")
        case let error as any HTTPResponseError:
            switch error.status {
            case .notFound: return .notFound()
            case .methodNotAllowed:
                return APIError(.methodNotAllowed, "method_not_allowed", "That method is not allowed here.")
            default:
                let code = error.status.reasonPhrase.lowercased().replacingOccurrences(of: " ", with: "_")
                return APIError(error.status, code, error.status.reasonPhrase + ".")
            }
        default:
            logger.error("unexpected error", metadata: ["error": "\(error)", "http.path": "\(request.uri.path)"])
            return APIError(
                .internalServerError, "internal_error", "Something went wrong on the server; it has been logged.")
        }
    }
}
