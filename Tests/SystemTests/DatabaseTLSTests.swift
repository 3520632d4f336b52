import Foundation
import MemoriesTestSupport
import Testing

/// An external database over verified TLS, configured the way an operator does: `sslmode` in `DATABASE_URL`
/// and the CA in `DATABASE_CA_FILE` (the test server's certificate is signed by a CA of its own).
@Suite("PostgreSQL over TLS, from the settings")
struct DatabaseTLSTests {
    @Test(
        "sslmode=verify-full with DATABASE_CA_FILE: migrate and serve work; without the CA the roles refuse, saying why"
    )
    func verifiedTLS() async throws {
        guard let ca = PostgresTestDatabase.caFile else {
            print("skipped: MEMORIES_TEST_POSTGRES_CA not set")
            return
        }
        try await Deployment.with { deployment in
            let plain = try #require(deployment.environment["DATABASE_URL"])
            let url = plain.replacingOccurrences(of: "sslmode=prefer", with: "sslmode=verify-full")
            #expect(url.contains("sslmode=verify-full"))
            let verified = ["DATABASE_URL": url, "DATABASE_CA_FILE": ca]
            let (migrated, output) = try await deployment.runCommand(["migrate"], settings: verified)
            #expect(migrated == 0, "\(output)")
            try await deployment.serve(settings: verified)
            #expect(try await deployment.get("/readyz").status == 200)

            // The system's CAs do not know the test CA: the connection must be refused, not silently unverified.
            let (refused, why) = try await deployment.runCommand(["check"], settings: ["DATABASE_URL": url])
            #expect(refused != 0)
            #expect(why.contains("check database: FAILED") && why.contains("not signed by a trusted CA"), "\(why)")
            let (missing, complaint) = try await deployment.runCommand(
                ["check"], settings: ["DATABASE_URL": url, "DATABASE_CA_FILE": "/nonexistent/ca.pem"])
            #expect(missing != 0 && complaint.contains("DATABASE_CA_FILE"), "\(complaint)")
        }
    }
}
