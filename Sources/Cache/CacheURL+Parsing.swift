import Redis

extension CacheURL {
    /// `memory` or `redis://[:password@]host[:port][/db]`; throws a readable message otherwise.
    public init(parsing text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.lowercased() == "memory" {
            self = .memory
            return
        }
        guard trimmed.hasPrefix("redis://") else {
            throw CacheError("expected memory or redis://[:password@]host[:port][/db]")
        }
        do {
            self = .redis(try RedisURL(parsing: trimmed))
        } catch let error as RedisError {
            throw CacheError(error.message)
        }
    }
}

/// A cache configuration or health problem, in words fit for a log line or `app check`.
public struct CacheError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension String {
    fileprivate func trimmingCharacters(in set: Set<Character>) -> String {
        String(drop(while: { set.contains($0) }).reversed().drop(while: { set.contains($0) }).reversed())
    }
}

extension Set where Element == Character {
    fileprivate static let whitespaces: Set<Character> = [" ", "\t", "\n", "\r"]
}
