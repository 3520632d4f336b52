import Database
import Foundation
import Hummingbird
import Logging

/// Signing in and out: `GET /login`, `POST /login` (form fields `username`, `password`, `csrf_token`, `next`),
/// `POST /logout`. Sessions live in the database, so every app server behind a load balancer knows them.
struct AuthController: Sendable {
    typealias Context = WebRequestContext

    let accounts: any AccountRepository
    let logger: Logger
    let configuration: AuthConfiguration
    let hasher: PasswordHasher
    let renderer: PageRenderer

    static let failedMessage = "The username or password is not right."
    static let disabledMessage = "This account has been disabled. Ask an admin of this server to enable it again."

    func addRoutes(to router: Router<Context>) {
        router.get("/login", use: loginPage)
        router.post("/login", use: login)
        router.post("/logout", use: logout)
    }

    /// `GET /login[?next=/path]`: the form; a signed-in user goes straight on.
    @Sendable func loginPage(_ request: Request, context: Context) async throws -> Response {
        let next = LoginRedirect.safe(request.uri.queryParameters["next"].map(String.init))
        if context.user != nil, !request.wantsJSON { return JSONResponse.seeOther(next) }
        return renderer.page(
            "login", LoginPage(chrome: PageChrome.signIn(context), next: next, username: "", message: nil))
    }

    /// `POST /login`: checks the password (bcrypt, off the event loop), then starts a new session.
    @Sendable func login(_ request: Request, context: Context) async throws -> Response {
        let fields = try await RequestFields.read(
            request, accepting: ["username": .text, "password": .text, "next": .text])
        let username = (fields["username"] ?? "").trimmingCharacters(in: .whitespaces)
        let password = fields["password"] ?? ""
        let next = LoginRedirect.safe(fields["next"])
        // An unknown name costs one bcrypt check like a wrong password, and gets the same answer.
        let credentials =
            username.isEmpty || username.unicodeScalars.count > UsernamePolicy.maximumLength
            ? nil : try await accounts.credentials(username: username)
        let matches = try await hasher.verify(String(password.prefix(1024)), hash: credentials?.passwordHash)
        guard matches, let user = credentials?.user else {
            logger.notice("sign-in failed", metadata: ["user.known": "\(credentials != nil)"])
            if !request.wantsJSON {
                return renderer.page(
                    "login",
                    LoginPage(
                        chrome: PageChrome.signIn(context), next: next, username: username, message: Self.failedMessage),
                    status: .unauthorized)
            }
            throw APIError(.unauthorized, "invalid_credentials", Self.failedMessage)
        }
        // The right password of a disabled account: say so (only someone who knows the password learns it).
        guard !user.isDisabled else {
            logger.notice("sign-in refused: account disabled", metadata: ["user.id": "\(user.id)"])
            if !request.wantsJSON {
                return renderer.page(
                    "login",
                    LoginPage(
                        chrome: PageChrome.signIn(context), next: next, username: username,
                        message: Self.disabledMessage),
                    status: .forbidden)
            }
            throw APIError(.forbidden, "account_disabled", Self.disabledMessage)
        }
        let now = Date()
        // Always a new session id (no fixation); the one the browser held before, if any, ends.
        if case .session(let old)? = context.user?.credential { try await accounts.deleteSession(tokenHash: old) }
        let session = BrowserSession(lifetime: configuration.sessionLifetime, now: now)
        try await accounts.createSession(
            userID: user.id, tokenHash: session.record.tokenHash, expiresAt: session.record.expiresAt, now: now)
        if let removed = try? await accounts.deleteExpiredSessions(now: now), removed > 0 {
            logger.debug("expired sessions removed", metadata: ["count": "\(removed)"])
        }
        logger.info("signed in", metadata: ["user.id": "\(user.id)"])
        var response =
            request.wantsJSON
            ? JSONResponse.make(["user": UserJSON(id: user.id, username: user.username)]) : JSONResponse.seeOther(next)
        response.setCookie(session.cookie(for: request))
        return response
    }

    /// `POST /logout`: ends the session on the server and clears the cookie.
    @Sendable func logout(_ request: Request, context: Context) async throws -> Response {
        if case .session(let hash)? = context.user?.credential {
            try await accounts.deleteSession(tokenHash: hash)
            logger.info("signed out", metadata: ["user.id": "\(context.user?.id ?? 0)"])
        }
        var response = request.wantsJSON ? JSONResponse.make(["signed_out": true]) : JSONResponse.seeOther("/login")
        response.setCookie(SessionCookie.expired(request: request))
        return response
    }
}

/// `{"id": 1, "username": "alice"}`.
struct UserJSON: Encodable, Sendable {
    let id: Int64
    let username: String
}

/// The login page.
struct LoginPage: Sendable {
    let title = "Sign in"
    let chrome: PageChrome
    let next: String
    let username: String
    let message: String?
}
