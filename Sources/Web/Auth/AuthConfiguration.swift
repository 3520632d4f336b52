/// Who must sign in, who may look, and how passwords and sessions are kept.
public struct AuthConfiguration: Sendable {
    /// Uploads, deletes and edits need a signed-in user (`AUTH_REQUIRED`: true for `serve`, false for `app dev`).
    /// When false everything works without an account, as before accounts existed.
    public var required: Bool
    /// With sign-in required, anonymous visitors may still look at the gallery, albums and photos (`GALLERY_PUBLIC`).
    public var galleryPublic: Bool
    /// bcrypt's cost (`BCRYPT_COST`, default 12).
    public var bcryptCost: Int
    /// How long a session lives without use; every use (at most once a minute) moves its end forward.
    public var sessionLifetime: Duration
    /// How often last-seen times of sessions and tokens are written: at most once per this interval.
    public var touchInterval: Duration

    public init(
        required: Bool = false, galleryPublic: Bool = false, bcryptCost: Int = 12,
        sessionLifetime: Duration = .seconds(30 * 24 * 3600), touchInterval: Duration = .seconds(60)
    ) {
        self.required = required
        self.galleryPublic = galleryPublic
        self.bcryptCost = bcryptCost
        self.sessionLifetime = sessionLifetime
        self.touchInterval = touchInterval
    }
}
