import Database
import Foundation
import MemoriesTestSupport
import Testing

/// The account repository's contract (users, sessions, tokens), written once and run against SQLite and PostgreSQL.
@Suite("Account repository")
struct AccountRepositoryTests {
    static let hashA = String(repeating: "a", count: 64)
    static let hashB = String(repeating: "b", count: 64)

    /// The same checks for either backend.
    static func exercise(_ accounts: any AccountRepository) async throws {
        let alice = try #require(try await accounts.createUser(username: "Alice", passwordHash: "$2b$04$x"))
        #expect(try await accounts.createUser(username: "aLiCe", passwordHash: "y") == nil)
        #expect(try await accounts.credentials(username: "ALICE")?.user == alice)
        #expect(try await accounts.credentials(username: "ALICE")?.passwordHash == "$2b$04$x")
        #expect(try await accounts.credentials(username: "bob") == nil)
        #expect(try await accounts.users().map(\.username) == ["Alice"])

        // Sessions: found until they expire, slid forward by a touch, gone when deleted or the password changes.
        let now = Date()
        try await accounts.createSession(
            userID: alice.id, tokenHash: hashA, expiresAt: now.addingTimeInterval(60), now: now)
        let found = try #require(try await accounts.session(tokenHash: hashA, now: now))
        #expect(found.user == alice)
        #expect(abs(found.expiresAt.timeIntervalSince(now.addingTimeInterval(60))) < 0.01)
        #expect(try await accounts.session(tokenHash: hashA, now: now.addingTimeInterval(61)) == nil)
        try await accounts.touchSession(
            tokenHash: hashA, lastSeenAt: now.addingTimeInterval(30), expiresAt: now.addingTimeInterval(120))
        #expect(try await accounts.session(tokenHash: hashA, now: now.addingTimeInterval(61)) != nil)
        #expect(try await accounts.deleteExpiredSessions(now: now.addingTimeInterval(121)) == 1)
        #expect(try await accounts.session(tokenHash: hashA, now: now) == nil)
        try await accounts.createSession(
            userID: alice.id, tokenHash: hashB, expiresAt: now.addingTimeInterval(60), now: now)
        #expect(try await accounts.changePassword(username: "alice", passwordHash: "new"))
        #expect(try await accounts.session(tokenHash: hashB, now: now) == nil)
        #expect(try await accounts.changePassword(username: "nobody", passwordHash: "new") == false)

        // Tokens: created for a user, listed, found by hash, revoked once.
        #expect(try await accounts.createToken(username: "nobody", name: "x", tokenHash: hashA) == nil)
        let token = try #require(try await accounts.createToken(username: "alice", name: "backup", tokenHash: hashA))
        #expect(token.username == "Alice" && token.name == "backup" && !token.isRevoked && token.lastUsedAt == nil)
        try await accounts.touchToken(id: token.id, lastUsedAt: now)
        #expect(try await accounts.token(tokenHash: hashA)?.lastUsedAt != nil)
        #expect(try await accounts.tokens(username: "ALICE").map(\.id) == [token.id])
        #expect(try await accounts.tokens(username: "bob").isEmpty)
        #expect(try await accounts.revokeToken(id: token.id))
        #expect(try await accounts.revokeToken(id: token.id) == false)
        #expect(try await accounts.token(tokenHash: hashA)?.isRevoked == true)

        #expect(try await accounts.deleteUser(username: "alice"))
        #expect(try await accounts.tokens(username: nil).isEmpty)
        #expect(try await accounts.users().isEmpty)
    }

    @Test(
        "users unique regardless of case, sessions with sliding expiry, tokens revoked",
        arguments: TestDatabase.Kind.allCases)
    func contract(_ kind: TestDatabase.Kind) async throws {
        try await TestDatabase.with(kind) { db in try await Self.exercise(SQLAccountRepository(database: db.database)) }
    }
}
