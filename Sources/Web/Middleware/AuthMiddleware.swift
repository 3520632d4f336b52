import Database
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Resolves who is asking (an API token in `Authorization: Bearer`, else the session cookie) with one database
/// lookup, puts them into the context, and turns away what anonymous visitors may not do (`AccessPolicy`).
/// A bearer token that is unknown, revoked or of a disabled account is refused outright with 401 and `WWW-Authenticate: Bearer`.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = WebRequestContext

    let accounts: any AccountRepository
    let configuration: AuthConfiguration
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        // Hummingbird's file middleware asks the router first and serves a file only when that answers 404, so
        // static files and media pass through here: they are public, and need no database lookup.
        if AccessPolicy.isFilePath(request.uri.path) { return try await next(request, context) }
        var context = context
        var forgetCookie = false
        if let bearer = Self.bearerToken(request) {
            guard let user = try await tokenUser(bearer) else { return Self.invalidToken() }
            context.user = user
        } else if request.cookies[SessionCookie.name] != nil {
            context.user = try await sessionUser(request)
            forgetCookie = context.user == nil
        }
        context.authRequired = configuration.required
        context.canChange = !configuration.required || context.user != nil
        if let refusal = AccessPolicy.refusal(for: request, context: context, configuration: configuration) {
            return refusal
        }
        var response = try await next(request, context)
        if forgetCookie { response.setCookie(SessionCookie.expired(request: request)) }
        return response
    }

    /// The token of `Authorization: Bearer TOKEN`, or nil when the header is absent or another scheme.
    static func bearerToken(_ request: Request) -> String? {
        guard let header = request.headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return parts[1].trimmingCharacters(in: .whitespaces)
    }

    private func tokenUser(_ secret: String) async throws -> SignedInUser? {
        guard SecretToken.isWellFormed(secret, api: true) else { return nil }
        let digest = SecretToken.digest(secret)
        guard let token = try await accounts.token(tokenHash: digest), !token.isRevoked, !token.userDisabled,
            SecretToken.constantTimeEqual(token.tokenHash, digest)
        else { return nil }
        let now = Date()
        if token.lastUsedAt.map({ now.timeIntervalSince($0) >= configuration.touchInterval.seconds }) ?? true {
            do {
                try await accounts.touchToken(id: token.id, lastUsedAt: now)
            } catch {
                logger.warning(
                    "recording a token's use failed", metadata: ["token.id": "\(token.id)", "error": "\(error)"])
            }
        }
        return SignedInUser(
            id: token.userID, username: token.username, credential: .apiToken(id: token.id),
            isAdmin: token.userRole == .admin)
    }

    private func sessionUser(_ request: Request) async throws -> SignedInUser? {
        guard let secret = SessionCookie.token(request) else { return nil }
        let digest = SecretToken.digest(secret)
        let now = Date()
        guard let session = try await accounts.session(tokenHash: digest, now: now),
            SecretToken.constantTimeEqual(session.tokenHash, digest)
        else { return nil }
        // Sliding expiry, written at most once per interval so a busy page does not write on every request.
        if now.timeIntervalSince(session.lastSeenAt) >= configuration.touchInterval.seconds {
            do {
                try await accounts.touchSession(
                    tokenHash: digest, lastSeenAt: now,
                    expiresAt: now.addingTimeInterval(configuration.sessionLifetime.seconds))
            } catch {
                logger.warning(
                    "extending a session failed", metadata: ["user.id": "\(session.user.id)", "error": "\(error)"])
            }
        }
        return SignedInUser(
            id: session.user.id, username: session.user.username, credential: .session(tokenHash: digest),
            isAdmin: session.user.isAdmin)
    }

    /// 401 for a bearer token we do not accept.
    static func invalidToken() -> Response {
        var response = JSONResponse.make(
            ErrorJSON(
                error: "unauthorized",
                message: "This API token is unknown, has been revoked, or belongs to a disabled account."),
            status: .unauthorized)
        response.headers[.wwwAuthenticate] = "Bearer error=\"invalid_token\""
        return response
    }
}

extension Duration {
    /// The duration in seconds, as a `TimeInterval`.
    var seconds: TimeInterval {
        let parts = components
        return TimeInterval(parts.seconds) + TimeInterval(parts.attoseconds) / 1e18
    }
}
