import Hummingbird

/// The request context of every route: Hummingbird's core context plus this session's CSRF token,
/// which `CSRFMiddleware` sets before any handler runs and pages put into their forms.
public struct WebRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The token forms and scripts must send back on unsafe requests (the value of the `memories_csrf` cookie).
    public var csrfToken: String = ""
    /// The TCP peer's address (a proxy's, behind one); nil in router tests.
    public let peerAddress: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        peerAddress = source.channel.remoteAddress?.ipAddress
    }
}
