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
        #expect(found.user.id == alice.id && found.user.username == alice.username)
        #expect(found.user.lastSignInAt != nil)
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

    /// Roles, disabling and one-time links, for either backend.
    static func exerciseAdmin(_ accounts: any AccountRepository) async throws {
        let admin = try #require(try await accounts.createUser(username: "root", passwordHash: "x", role: .admin))
        let member = try #require(try await accounts.createUser(username: "kid", passwordHash: "y"))
        #expect(admin.isAdmin && member.role == .member)
        #expect(try await accounts.setRole(userID: admin.id, role: .member) == .lastAdmin)
        #expect(try await accounts.setDisabled(userID: admin.id, disabled: true) == .lastAdmin)
        #expect(try await accounts.setRole(userID: 999_999, role: .admin) == .notFound)
        // Disabling ends the sessions, hides the rest from lookups, and the token says whose account is disabled.
        let now = Date()
        try await accounts.createSession(
            userID: member.id, tokenHash: hashA, expiresAt: now.addingTimeInterval(60), now: now)
        #expect(try await accounts.user(id: member.id)?.lastSignInAt != nil)
        _ = try await accounts.createToken(username: "kid", name: "t", tokenHash: hashB)
        guard case .changed(let disabled) = try await accounts.setDisabled(userID: member.id, disabled: true) else {
            Issue.record("disabling failed")
            return
        }
        #expect(disabled.isDisabled)
        #expect(try await accounts.session(tokenHash: hashA, now: now) == nil)
        #expect(try await accounts.token(tokenHash: hashB)?.userDisabled == true)
        guard case .changed = try await accounts.setDisabled(userID: member.id, disabled: false) else {
            Issue.record("enabling failed")
            return
        }
        #expect(try await accounts.token(tokenHash: hashB)?.userDisabled == false)

        // An invite: redeemed once, in one transaction with its session; a taken name writes nothing.
        let invite = try #require(
            try await accounts.createLink(
                NewAccountLink(
                    kind: .invite, tokenHash: hashA, createdBy: admin.id, expiresAt: now.addingTimeInterval(60))))
        #expect(try await accounts.pendingLinks(now: now).map(\.id) == [invite.id])
        let session = NewSessionRecord(
            tokenHash: String(repeating: "c", count: 64), expiresAt: now.addingTimeInterval(60))
        #expect(
            try await accounts.redeemLink(
                tokenHash: hashA, username: "KID", passwordHash: "p", session: session, now: now)
                == .usernameTaken)
        #expect(try await accounts.link(tokenHash: hashA)?.state(at: now) == .pending)
        guard
            case .redeemed(let joined) = try await accounts.redeemLink(
                tokenHash: hashA, username: "newcomer", passwordHash: "p", session: session, now: now)
        else {
            Issue.record("the invite was not redeemed")
            return
        }
        #expect(joined.username == "newcomer" && joined.role == .member)
        #expect(try await accounts.session(tokenHash: session.tokenHash, now: now)?.user.id == joined.id)
        #expect(try await accounts.link(tokenHash: hashA)?.state(at: now) == .used)
        #expect(
            try await accounts.redeemLink(
                tokenHash: hashA, username: "again", passwordHash: "p", session: session, now: now)
                == .gone)
        #expect(try await accounts.pendingLinks(now: now).isEmpty)

        // A reset: a newer one revokes the older; expired ones are gone; redeeming sets the password.
        let old = try #require(
            try await accounts.createLink(
                NewAccountLink(
                    kind: .reset, tokenHash: hashB, userID: member.id, createdBy: admin.id,
                    expiresAt: now.addingTimeInterval(60))))
        #expect(old.username == "kid")
        let hashD = String(repeating: "d", count: 64)
        _ = try await accounts.createLink(
            NewAccountLink(
                kind: .reset, tokenHash: hashD, userID: member.id, createdBy: admin.id,
                expiresAt: now.addingTimeInterval(60)))
        #expect(try await accounts.link(tokenHash: hashB)?.state(at: now) == .revoked)
        #expect(
            try await accounts.redeemLink(
                tokenHash: hashD, username: nil, passwordHash: "new", session: session, now: now.addingTimeInterval(61))
                == .gone)
        let fresh = NewSessionRecord(
            tokenHash: String(repeating: "e", count: 64), expiresAt: now.addingTimeInterval(60))
        guard
            case .redeemed(let reset) = try await accounts.redeemLink(
                tokenHash: hashD, username: nil, passwordHash: "new", session: fresh, now: now)
        else {
            Issue.record("the reset was not redeemed")
            return
        }
        #expect(reset.id == member.id)
        #expect(try await accounts.credentials(username: "kid")?.passwordHash == "new")
        #expect(
            try await accounts.createLink(
                NewAccountLink(
                    kind: .reset, tokenHash: hashA.uppercased(), userID: 999_999, createdBy: nil, expiresAt: now))
                == nil)
    }

    @Test("roles, the last admin, disabling, invite and reset links", arguments: TestDatabase.Kind.allCases)
    func admin(_ kind: TestDatabase.Kind) async throws {
        try await TestDatabase.with(kind) { db in
            try await Self.exerciseAdmin(SQLAccountRepository(database: db.database))
        }
    }

    @Test(
        "users unique regardless of case, sessions with sliding expiry, tokens revoked",
        arguments: TestDatabase.Kind.allCases)
    func contract(_ kind: TestDatabase.Kind) async throws {
        try await TestDatabase.with(kind) { db in try await Self.exercise(SQLAccountRepository(database: db.database)) }
    }
}
