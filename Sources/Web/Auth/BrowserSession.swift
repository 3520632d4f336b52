import Database
import Foundation
import Hummingbird

/// A fresh browser session: the random token for the cookie, and what the database keeps of it (its SHA-256 and
/// expiry). Signing in and redeeming an invite or reset link both start one.
struct BrowserSession: Sendable {
    let token: String
    let record: NewSessionRecord
    let lifetime: Duration

    init(lifetime: Duration, now: Date) {
        token = SecretToken.random()
        record = NewSessionRecord(
            tokenHash: SecretToken.digest(token), expiresAt: now.addingTimeInterval(lifetime.seconds))
        self.lifetime = lifetime
    }

    /// The session cookie that carries it.
    func cookie(for request: Request) -> Cookie {
        SessionCookie.issue(token, lifetime: lifetime, request: request)
    }
}
