import Database
import Foundation
import Hummingbird
import Logging

/// The invited person's side of an invite or reset link, `/invite/{token}`: the form (choose a username unless the
/// invite fixed one, and a password), and its post, which makes the account or sets the new password and signs
/// the person in. The link works once: used, expired or revoked it answers 410 with a readable page; an unknown
/// token 404. The token is the credential, so no sign-in is needed (`AccessPolicy`).
struct InviteController: Sendable {
    typealias Context = WebRequestContext
    let accounts: any AccountRepository
    let hasher: PasswordHasher
    let configuration: AuthConfiguration
    let renderer: PageRenderer

    func addRoutes(to router: Router<Context>) {
        router.get("/invite/{token}", use: show)
        router.post("/invite/{token}", use: redeem)
    }

    /// `GET /invite/{token}`: the form, or `{"invite": {...}}` (without the token) for scripts.
    @Sendable func show(_ request: Request, context: Context) async throws -> Response {
        let (token, link) = try await pendingLink(context)
        if request.wantsJSON {
            return JSONResponse.make(["invite": AccountLinkJSON(link: link, now: Date(), showsNote: false)])
        }
        return form(link, token: token, context: context, username: "", message: nil, status: .ok)
    }

    /// `POST /invite/{token}` (`username` unless fixed, `password`, and `password_confirm` from the page): makes the
    /// account or sets the password, starts a session and goes to the gallery (JSON: 201 `{"user": ...}`).
    @Sendable func redeem(_ request: Request, context: Context) async throws -> Response {
        let (token, link) = try await pendingLink(context)
        let fields = try await RequestFields.read(
            request, accepting: ["username": .text, "password": .text, "password_confirm": .text])
        let chosen =
            link.kind == .invite && link.username == nil
            ? (fields["username"] ?? "").trimmingCharacters(in: .whitespaces) : nil
        let password = fields["password"] ?? ""
        func refuse(_ status: HTTPResponse.Status, _ code: String, _ message: String) throws -> Response {
            if request.wantsJSON { throw APIError(status, code, message) }
            return form(link, token: token, context: context, username: chosen ?? "", message: message, status: status)
        }
        if let chosen, let problem = UsernamePolicy.problem(chosen) {
            return try refuse(.badRequest, "bad_username", AccountLinkRequest.sentence(problem))
        }
        if let problem = PasswordPolicy.problem(password) {
            return try refuse(.badRequest, "bad_password", AccountLinkRequest.sentence(problem))
        }
        if let confirm = fields["password_confirm"], confirm != password {
            return try refuse(.badRequest, "passwords_differ", "The two passwords differ; type the same one twice.")
        }
        let now = Date()
        let session = BrowserSession(lifetime: configuration.sessionLifetime, now: now)
        let outcome = try await accounts.redeemLink(
            tokenHash: SecretToken.digest(token), username: chosen, passwordHash: try await hasher.hash(password),
            session: session.record, now: now)
        switch outcome {
        case .redeemed(let user):
            // The session this browser held before (an admin trying the link, say) ends: one person per browser.
            if case .session(let old)? = context.user?.credential { try await accounts.deleteSession(tokenHash: old) }
            context.logger.info(
                link.kind == .invite ? "invite used" : "reset link used",
                metadata: ["user.id": "\(user.id)", "link.id": "\(link.id)"])
            var response =
                request.wantsJSON
                ? JSONResponse.make(["user": AccountJSON(user: user)], status: link.kind == .invite ? .created : .ok)
                : JSONResponse.seeOther("/")
            response.setCookie(session.cookie(for: request))
            return response
        case .usernameTaken:
            return try refuse(
                .conflict, "username_taken",
                "The name \(chosen ?? "") is taken (names are compared without regard to case): choose another.")
        case .accountDisabled:
            throw APIError(
                .forbidden, "account_disabled",
                "This account has been disabled. Ask an admin of this server to enable it again.")
        case .gone:
            throw Self.gone(.used, kind: link.kind)
        }
    }

    /// The route's token and its link while it can be used; 404 for an unknown token, 410 for a spent one.
    private func pendingLink(_ context: Context) async throws -> (String, AccountLink) {
        guard let token = context.parameters.get("token"), SecretToken.isWellFormed(token, api: false),
            let link = try await accounts.link(tokenHash: SecretToken.digest(token)),
            SecretToken.constantTimeEqual(link.tokenHash, SecretToken.digest(token))
        else { throw APIError.notFound("This invite link is not known here. Check that it was copied whole.") }
        let state = link.state(at: Date())
        guard state == .pending else { throw Self.gone(state, kind: link.kind) }
        return (token, link)
    }

    /// The 410 for a link that can no longer be used, saying why.
    static func gone(_ state: AccountLink.State, kind: AccountLink.Kind) -> APIError {
        let what = kind == .invite ? "invite link" : "password reset link"
        let why =
            switch state {
            case .used: "has already been used"
            case .expired: "has expired"
            case .revoked, .pending: "has been withdrawn"
            }
        return APIError(
            .gone, "gone",
            "This \(what) \(why): each one works only once. Ask the person who sent it for a new one.")
    }

    private func form(
        _ link: AccountLink, token: String, context: Context, username: String, message: String?,
        status: HTTPResponse.Status
    ) -> Response {
        let isReset = link.kind == .reset
        return renderer.page(
            "invite",
            InvitePage(
                title: isReset ? "Choose a new password" : "Join Memories",
                chrome: PageChrome.signIn(context), isReset: isReset,
                heading: isReset ? "Choose a new password" : "Welcome to Memories",
                fixedUsername: isReset || link.username != nil ? link.username : nil, username: username,
                action: "/invite/\(token)", message: message),
            status: status)
    }
}
