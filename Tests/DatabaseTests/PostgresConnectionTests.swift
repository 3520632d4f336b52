import Database
import Foundation
import MemoriesTestSupport
import PostgresNIO
import Testing

/// Connecting: TLS modes as libpq names them, and failures (wrong password, unknown CA) that say what is wrong.
@Suite("Postgres connections")
struct PostgresConnectionTests {
    /// A CA that signed nothing the test server uses.
    static let unrelatedCA = """
        -----BEGIN CERTIFICATE-----
        MIIBjzCCATWgAwIBAgIUEjhuBpsbW+qJZTFUDcjMxBxGMYYwCgYIKoZIzj0EAwIw
        HDEaMBgGA1UEAwwRdW5yZWxhdGVkIHRlc3QgQ0EwIBcNMjYxMTI5MTIxMDAzWhgP
        MjEyNjExMDUxMjEwMDNaMBwxGjAYBgNVBAMMEXVucmVsYXRlZCB0ZXN0IENBMFkw
        EwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEjV1iXEzsXF6IlwiSrbgewR8C1G/ulFH8
        x7vD9Id9bfmZOT1JbOyknoNv4DUmVsFjypumXAljkVBiX1l7g1yeaKNTMFEwHQYD
        VR0OBBYEFH+mMDbqL+qq04EtYR5YbzFaNmVcMB8GA1UdIwQYMBaAFH+mMDbqL+qq
        04EtYR5YbzFaNmVcMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSAAwRQIg
        dV7SC4qT0/Nhi0TUAFE5N84SEzxN4JfidvTyQlb7fEECIQCdJwEV3QtiKbzcnu52
        HtCmIlVorDVgerqAHRLLZy1GuQ==
        -----END CERTIFICATE-----

        """

    /// Whether the pooled connection `database` hands out is encrypted, as the server sees it.
    static func usesTLS(_ database: Database.PostgresDatabase) async throws -> Bool {
        let rows = try await database.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        return try rows.first?.decode(Bool.self) ?? false
    }

    /// Runs `body` with a pool for `url`, migrated or not, and stops it.
    static func withDatabase(
        _ url: PostgresURL, _ body: @Sendable (Database.PostgresDatabase) async throws -> Void
    ) async throws {
        let database = try Database.PostgresDatabase(url: url, poolSize: 1, logger: PostgresTestDatabase.makeLogger())
        try await database.withRunning { try await body(database) }
    }

    @Test("sslmode=disable is plain; require encrypts; verify-full with the server's CA verifies and encrypts")
    func tlsModes() async throws {
        guard var url = try PostgresTestDatabase.adminURL() else { return }
        url.sslMode = .disable
        try await Self.withDatabase(url) { database in
            let encrypted = try await Self.usesTLS(database)
            #expect(!encrypted)
        }
        url.sslMode = .require
        try await Self.withDatabase(url) { database in
            let encrypted = try await Self.usesTLS(database)
            #expect(encrypted)
        }
        guard let ca = PostgresTestDatabase.caFile else {
            print("skipped: MEMORIES_TEST_POSTGRES_CA not set (verify-full)")
            return
        }
        url.sslMode = .verifyFull
        url.sslRootCert = ca
        try await Self.withDatabase(url) { database in
            try await database.checkConnection()
            #expect(try await Self.usesTLS(database) == true)
        }
        // The CA given as a parameter instead of in the URL.
        url.sslRootCert = nil
        let byParameter = try Database.PostgresDatabase(
            url: url.unmaskedURL, poolSize: 1, caFile: ca, logger: PostgresTestDatabase.makeLogger())
        try await byParameter.checkConnection()
    }

    @Test("verify-full against a CA that did not sign the server's certificate fails, saying so")
    func wrongCA() async throws {
        guard var url = try PostgresTestDatabase.adminURL() else { return }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("wrong-ca-\(UUID().uuidString).pem")
            .path
        try Self.unrelatedCA.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        url.sslMode = .verifyFull
        url.sslRootCert = path
        let database = try Database.PostgresDatabase(url: url, poolSize: 1, logger: PostgresTestDatabase.makeLogger())
        do {
            try await database.checkConnection()
            Issue.record("connected with verify-full and a CA that signed nothing")
        } catch let error as DatabaseError {
            #expect(error.code == .unavailable)
            #expect(
                error.message.contains("TLS") && error.message.contains("not signed by a trusted CA"),
                "\(error.message)")
        }
    }

    @Test("a wrong password says 'password authentication failed for user', fast and through the pool")
    func wrongPassword() async throws {
        guard let admin = try PostgresTestDatabase.adminURL() else { return }
        let role = "t_pw_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(12)
        // postgres.sh asks members of memories_password_auth for a password (everyone else is trusted).
        let groupExists = try await {
            let database = try Database.PostgresDatabase(
                url: admin, poolSize: 1, logger: PostgresTestDatabase.makeLogger())
            return try await database.withRunning {
                try await !database.query("SELECT 1 FROM pg_roles WHERE rolname = 'memories_password_auth'").isEmpty
            }
        }()
        guard groupExists else {
            print(
                "skipped: the test server has no memories_password_auth role (start it with scripts/services/postgres.sh)"
            )
            return
        }
        try await PostgresTestDatabase.admin(
            admin, ["CREATE ROLE \(role) LOGIN PASSWORD 'right' IN ROLE memories_password_auth"])
        do {
            var url = admin
            url.username = String(role)
            url.password = "right"
            try await Database.PostgresDatabase(url: url, logger: PostgresTestDatabase.makeLogger()).checkConnection()

            url.password = "wrong-secret"
            let wrong = try Database.PostgresDatabase(url: url, poolSize: 1, logger: PostgresTestDatabase.makeLogger())
            do {
                try await wrong.checkConnection()
                Issue.record("connected with a wrong password")
            } catch let error as DatabaseError {
                #expect(error.code == .unavailable)
                #expect(error.message.contains("password authentication failed for user"), "\(error.message)")
                #expect(!error.description.contains("wrong-secret"))
            }
            // Through the pool (a health check, bounded so /readyz answers): the same message, not a bare timeout.
            try await wrong.withRunning {
                do {
                    try await SQLPhotoRepository(database: wrong).checkHealth()
                    Issue.record("a health check passed with a wrong password")
                } catch let error as DatabaseError {
                    #expect(error.message.contains("password authentication failed for user"), "\(error.message)")
                }
            }
        } catch {
            try? await PostgresTestDatabase.admin(admin, ["DROP ROLE IF EXISTS \(role)"])
            throw error
        }
        try await PostgresTestDatabase.admin(admin, ["DROP ROLE IF EXISTS \(role)"])
    }

    @Test("a server that is not there is reported as unavailable, naming host and port")
    func refused() async throws {
        guard var url = try PostgresTestDatabase.adminURL() else { return }
        url.port = 1
        let database = try Database.PostgresDatabase(url: url, poolSize: 1, logger: PostgresTestDatabase.makeLogger())
        do {
            try await database.checkConnection()
            Issue.record("connected to port 1")
        } catch let error as DatabaseError {
            #expect(error.code == .unavailable && error.message.contains("127.0.0.1:1"), "\(error.message)")
        }
    }
}
