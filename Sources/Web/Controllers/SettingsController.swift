import Database
import Foundation
import Hummingbird
import Logging

/// A signed-in user's own settings, `/settings`: changing their password (the current one required; their other
/// sessions end) and their API tokens (`GET`/`POST /settings/tokens`, `DELETE /settings/tokens/{id}` or the page's
/// `POST /settings/tokens/{id}/revoke`). A new token's secret is shown once, in the answer that makes it.
struct SettingsController: Sendable {
    typealias Context = WebRequestContext
    let accounts: any AccountRepository
    let hasher: PasswordHasher
    let renderer: PageRenderer

    static let maxTokenName = 200

    func addRoutes(to router: Router<Context>) {
        router.get("/settings", use: show)
        router.post("/settings/password", use: changePassword)
        router.get("/settings/tokens", use: tokens)
        router.post("/settings/tokens", use: createToken)
        router.delete("/settings/tokens/{id}", use: revokeToken)
        router.post("/settings/tokens/{id}/revoke", use: revokeToken)
    }

    /// `GET /settings`: the page (`?password=changed` adds the notice after a change).
    @Sendable func show(_ request: Request, context: Context) async throws -> Response {
        let user = try Self.requireUser(context)
        let notice =
            request.uri.queryParameters["password"] == "changed"
            ? "Your password has been changed. Your other sessions have been signed out." : nil
        return try await page(user, context: context, notice: notice)
    }

    /// `POST /settings/password` (`current_password`, `new_password`, and `new_password_confirm` from the page).
    @Sendable func changePassword(_ request: Request, context: Context) async throws -> Response {
        let user = try Self.requireUser(context)
        let fields = try await RequestFields.read(
            request,
            accepting: [
                "current_password": .text, "new_password": .text, "new_password_confirm": .text,
            ])
        let current = fields["current_password"] ?? ""
        let new = fields["new_password"] ?? ""
        do {
            let credentials = try await accounts.credentials(username: user.username)
            guard try await hasher.verify(String(current.prefix(1024)), hash: credentials?.passwordHash) else {
                throw APIError(.forbidden, "wrong_password", "The current password is not right; nothing was changed.")
            }
            if let problem = PasswordPolicy.problem(new) {
                throw APIError(.badRequest, "bad_password", AccountLinkRequest.sentence(problem))
            }
            if let confirm = fields["new_password_confirm"], confirm != new {
                throw APIError(
                    .badRequest, "passwords_differ", "The two new passwords differ; nothing was changed.")
            }
        } catch let error as APIError where !request.wantsJSON {
            return try await page(user, context: context, message: error.message, status: error.status)
        }
        var keep: String?
        if case .session(let hash) = user.credential { keep = hash }
        guard
            try await accounts.changePassword(
                userID: user.id, passwordHash: try await hasher.hash(new), keepingSession: keep)
        else { throw APIError.notFound("This account no longer exists.") }
        context.logger.info("password changed", metadata: ["user.id": "\(user.id)"])
        if request.wantsJSON { return JSONResponse.make(["password_changed": true]) }
        return JSONResponse.seeOther("/settings?password=changed")
    }

    /// `GET /settings/tokens`: `{"tokens": [...]}`, the user's tokens newest first, never their secrets.
    @Sendable func tokens(_ request: Request, context: Context) async throws -> Response {
        let user = try Self.requireUser(context)
        return JSONResponse.make(
            ["tokens": try await accounts.tokens(username: user.username).map { APITokenJSON(token: $0) }])
    }

    /// `POST /settings/tokens` (`name`): 201 `{"token": {..., "token": "mem_…"}}`, or the page showing it once.
    @Sendable func createToken(_ request: Request, context: Context) async throws -> Response {
        let user = try Self.requireUser(context)
        let fields = try await RequestFields.read(request, accepting: ["name": .text])
        let name = (fields["name"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...Self.maxTokenName).contains(name.unicodeScalars.count),
            !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else {
            let error = APIError.badRequest(
                "Give the token a name of 1 to \(Self.maxTokenName) characters, e.g. the script that uses it.")
            if request.wantsJSON { throw error }
            return try await page(user, context: context, message: error.message, status: error.status)
        }
        let secret = SecretToken.newAPIToken()
        guard
            let token = try await accounts.createToken(
                username: user.username, name: name, tokenHash: SecretToken.digest(secret))
        else { throw APIError.notFound("This account no longer exists.") }
        context.logger.info("api token created", metadata: ["user.id": "\(user.id)", "token.id": "\(token.id)"])
        if request.wantsJSON {
            return JSONResponse.make(["token": APITokenJSON(token: token, secret: secret)], status: .created)
        }
        return try await page(
            user, context: context,
            secret: OneTimeSecret(
                heading: "Your new token \u{201C}\(token.name)\u{201D}",
                explanation:
                    "Use it as Authorization: Bearer TOKEN. It is shown only this once: copy it now and keep it secret.",
                value: secret, label: "The token"),
            status: .created)
    }

    /// `DELETE /settings/tokens/{id}` (204) or `POST /settings/tokens/{id}/revoke`: one of the user's own tokens.
    @Sendable func revokeToken(_ request: Request, context: Context) async throws -> Response {
        let user = try Self.requireUser(context)
        let id = try context.routeID(naming: "token")
        guard try await accounts.revokeToken(id: id, userID: user.id) else {
            throw APIError.notFound("There is no active token \(id) of yours.")
        }
        context.logger.info("api token revoked", metadata: ["user.id": "\(user.id)", "token.id": "\(id)"])
        if request.method == .delete { return Response(status: .noContent) }
        if request.wantsJSON { return JSONResponse.make(["revoked": id]) }
        return JSONResponse.seeOther("/settings")
    }

    private func page(
        _ user: SignedInUser, context: Context, secret: OneTimeSecret? = nil, notice: String? = nil,
        message: String? = nil, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let tokens = try await accounts.tokens(username: user.username)
        return renderer.page(
            "settings",
            SettingsPage(
                chrome: PageChrome(context, section: .settings), username: user.username,
                tokens: tokens.map(TokenRow.init), hasTokens: !tokens.isEmpty, secret: secret, notice: notice,
                message: message),
            status: status)
    }

    /// The signed-in user; 401 otherwise.
    static func requireUser(_ context: Context) throws -> SignedInUser {
        guard let user = context.user else {
            throw APIError(.unauthorized, "unauthorized", "Sign in to change your settings.")
        }
        return user
    }
}
