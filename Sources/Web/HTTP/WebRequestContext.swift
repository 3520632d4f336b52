import Hummingbird

/// The request context of every route: Hummingbird's core context plus this session's CSRF token,
/// which `CSRFMiddleware` sets before any handler runs and pages put into their forms, and the signed-in user,
/// which `AuthMiddleware` resolves from the session cookie or the bearer token.
public struct WebRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The token forms and scripts must send back on unsafe requests (the value of the `memories_csrf` cookie).
    public var csrfToken: String = ""
    /// The TCP peer's address (a proxy's, behind one); nil in router tests.
    public let peerAddress: String?
    /// Who is making the request; nil for anonymous visitors.
    public var user: SignedInUser?
    /// Whether this request may upload, delete and edit: always when sign-in is not required, else when signed in.
    public var canChange: Bool = true
    /// Whether sign-in exists on this server (`AUTH_REQUIRED`), so pages offer it.
    public var authRequired: Bool = false

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        peerAddress = source.channel.remoteAddress?.ipAddress
    }
}

/// The user a request acts for, and how it proved it.
public struct SignedInUser: Sendable, Equatable {
    public enum Credential: Sendable, Equatable {
        /// A browser session: the SHA-256 of the cookie's token.
        case session(tokenHash: String)
        /// An API token (`Authorization: Bearer`), by id.
        case apiToken(id: Int64)
    }

    public var id: Int64
    public var username: String
    public var credential: Credential
    /// Whether the account is an admin: it may manage accounts (`/accounts`, `/invites`).
    public var isAdmin: Bool = false

    /// Bearer requests carry no cookies, so a forged cross-site form cannot make one: they skip the CSRF check.
    public var isBearer: Bool {
        if case .apiToken = credential { return true }
        return false
    }
}
