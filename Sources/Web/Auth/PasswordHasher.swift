import HummingbirdBcrypt
import NIOConcurrencyHelpers
import NIOPosix

/// bcrypt hashing and verification, run on NIO's thread pool so a slow hash never stalls the event loops.
public struct PasswordHasher: Sendable {
    /// log2 of bcrypt's rounds (`BCRYPT_COST`): 12 in production; tests may use the minimum, 4.
    public let cost: Int
    private let dummy: DummyHash

    public init(cost: Int = 12) {
        precondition((4...31).contains(cost), "bcrypt cost must be from 4 to 31")
        self.cost = cost
        dummy = DummyHash()
    }

    /// A new salted hash of `password`.
    public func hash(_ password: String) async throws -> String {
        let cost = UInt8(self.cost)
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    /// Whether `password` matches `hash`. With no hash (an unknown user) a hash of the same cost is checked anyway
    /// and false returned, so the answer takes as long as for a wrong password and timing tells nothing.
    public func verify(_ password: String, hash: String?) async throws -> Bool {
        let cost = UInt8(self.cost)
        let dummy = self.dummy
        return try await NIOThreadPool.singleton.runIfActive {
            guard let hash else {
                _ = Bcrypt.verify(password, hash: dummy.value(cost: cost))
                return false
            }
            return Bcrypt.verify(password, hash: hash)
        }
    }
}

/// A hash of no one's password, made on first use (not at start-up, which would slow every test's router).
private final class DummyHash: Sendable {
    private let box = NIOLockedValueBox<String?>(nil)

    func value(cost: UInt8) -> String {
        box.withLockedValue { cached in
            if let cached { return cached }
            let made = Bcrypt.hash("memories: no such user", cost: cost)
            cached = made
            return made
        }
    }
}

/// The rules for new passwords (`app users create` and `passwd`).
public enum PasswordPolicy {
    public static let minimumLength = 8
    /// bcrypt reads at most 72 bytes; longer passwords would be silently cut, so they are refused.
    public static let maximumBytes = 72

    /// Why the password is not acceptable, or nil when it is.
    public static func problem(_ password: String) -> String? {
        if password.isEmpty { return "the password is empty" }
        if password.count < minimumLength {
            return "the password is too short: use at least \(minimumLength) characters"
        }
        if password.utf8.count > maximumBytes {
            return "the password is too long: bcrypt uses at most \(maximumBytes) bytes"
        }
        return nil
    }
}

/// The rules for usernames: 1 to 64 characters, counted in Unicode scalars as the database's CHECK counts them (a
/// letter with a combining accent is two), no spaces or control characters; unique regardless of case.
public enum UsernamePolicy {
    public static let maximumLength = 64

    public static func problem(_ name: String) -> String? {
        if name.isEmpty { return "the username is empty" }
        if name.unicodeScalars.count > maximumLength {
            return "the username is too long: at most \(maximumLength) characters"
        }
        if name.unicodeScalars.contains(where: {
            $0.properties.isWhitespace || $0.properties.generalCategory == .control
        }) {
            return "the username cannot contain spaces or control characters"
        }
        return nil
    }
}
