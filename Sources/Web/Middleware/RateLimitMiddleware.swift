import Cache
import HTTPTypes
import Hummingbird

/// Refuses requests over a `RateLimiter`'s limit with 429 and `Retry-After`, before their bodies are read.
/// `applies` picks the requests it counts (`POST /photos`; the tus creation endpoint can be added the same way),
/// `keys` the counters each request counts against (the client address; a user id after sign-in).
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = WebRequestContext

    let limiter: RateLimiter
    let applies: @Sendable (Request) -> Bool
    let keys: @Sendable (Request, Context) -> [String]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard limiter.limit > 0, applies(request) else { return try await next(request, context) }
        for key in keys(request, context) {
            if case .limited(let retryAfter) = await limiter.admit(key) {
                context.logger.notice(
                    "rate limited", metadata: ["rate.key": "\(key)", "rate.limit": "\(limiter.limit)"])
                var error = APIError(
                    .tooManyRequests, "rate_limited",
                    "Too many uploads: at most \(limiter.limit) a minute. Try again in \(retryAfter) seconds.")
                error.retryAfter = retryAfter
                throw error
            }
        }
        return try await next(request, context)
    }
}

extension RateLimitMiddleware {
    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!

    /// `UPLOAD_RATE_PER_MINUTE` on `POST /photos`, guests' `POST /s/{token}/photos` and tus creation
    /// (`POST /uploads`), per client address (`TRUSTED_PROXIES` decides whose `X-Forwarded-For` counts) and per
    /// signed-in user.
    static func uploads(cache: any Cache, configuration: WebConfiguration) -> Self {
        let proxies = configuration.trustedProxies
        return RateLimitMiddleware(
            limiter: RateLimiter(
                cache: cache, limit: configuration.uploadRatePerMinute, window: configuration.uploadRateWindow,
                name: "upload"),
            applies: { $0.method == .post && isUpload($0.uri.path) },
            keys: { request, context in
                // Both: many accounts from one address, and one account from many addresses, are each one client.
                let ip =
                    "ip:"
                    + proxies.clientAddress(
                        peer: context.peerAddress, forwardedFor: request.headers[values: forwardedFor])
                return context.user.map { [ip, "user:\($0.id)"] } ?? [ip]
            })
    }

    /// The upload routes: `POST /photos`, tus creation, and a guest's `POST /s/{token}/photos` and tus creation.
    static func isUpload(_ path: String) -> Bool {
        path == "/photos" || path == "/uploads"
            || (path.hasPrefix("/s/") && (path.hasSuffix("/photos") || path.hasSuffix("/uploads")))
    }
}
