import Foundation
import Logging
import NIOCore
import NIOSSL
import PostgresNIO

/// A PostgreSQL database behind postgres-nio's connection pool.
///
/// The pool does its work in `run()`, which must be running for any query to start: the app adds the database
/// to its `ServiceGroup` (it is a long-lived part, started before and stopped after the server and worker),
/// and tests and one-shot commands use `withRunning(_:)`. Every error leaving this type (but `CancellationError`)
/// is a `DatabaseError` whose message holds neither SQL nor the password.
public final class PostgresDatabase: Sendable {
    /// Where the database is, with the password masked when printed.
    public let url: PostgresURL
    let client: PostgresClient
    /// The same settings for a single connection outside the pool (the listener and the connection check).
    let connectionConfiguration: PostgresConnection.Configuration
    let logger: Logger
    /// How long one operation (a lease and its statements) may take before it fails as `unavailable`.
    let operationTimeout: Duration

    /// Builds the pool from a `postgres://` URL; connects lazily, once `run()` is running.
    /// - Parameters:
    ///   - poolSize: the most connections the pool opens (the server's `max_connections` is shared by every process).
    ///   - caFile: a PEM file of CAs to trust for `verify-ca`/`verify-full`, used when the URL has no `sslrootcert`.
    ///   - operationTimeout: how long one operation may wait for a connection and run before it fails as
    ///     `unavailable` (so requests answer 503 promptly while the server is down).
    public convenience init(
        url: String, poolSize: Int = 10, caFile: String? = nil, operationTimeout: Duration = .seconds(30),
        logger: Logger
    ) throws(DatabaseError) {
        var parsed = try PostgresURL(parsing: url)
        if parsed.sslRootCert == nil { parsed.sslRootCert = caFile }
        try self.init(url: parsed, poolSize: poolSize, operationTimeout: operationTimeout, logger: logger)
    }

    /// Builds the pool from parsed settings; connects lazily, once `run()` is running.
    public init(
        url: PostgresURL, poolSize: Int = 10, operationTimeout: Duration = .seconds(30), logger: Logger
    ) throws(DatabaseError) {
        guard poolSize > 0 else { throw DatabaseError(.invalidURL, "the PostgreSQL pool size must be at least 1") }
        let tls = try Self.tlsConfiguration(for: url)
        var configuration = PostgresClient.Configuration(
            host: url.host, port: url.port, username: url.username, password: url.password, database: url.database,
            tls: tls.map { url.sslMode == .prefer ? .prefer($0) : .require($0) } ?? .disable)
        configuration.options.maximumConnections = poolSize
        configuration.options.connectTimeout = .seconds(10)
        configuration.options.additionalStartupParameters = [("application_name", "memories")]

        var single = PostgresConnection.Configuration(
            host: url.host, port: url.port, username: url.username, password: url.password, database: url.database,
            tls: .disable)
        if let tls {
            do {
                let context = try NIOSSLContext(configuration: tls)
                single.tls = url.sslMode == .prefer ? .prefer(context) : .require(context)
            } catch {
                throw DatabaseError(
                    .invalidURL, "cannot set up TLS for PostgreSQL (\(error))", underlying: SendableError(error))
            }
        }
        single.options.connectTimeout = .seconds(10)

        self.url = url
        self.logger = logger
        self.operationTimeout = operationTimeout
        self.connectionConfiguration = single
        self.client = PostgresClient(configuration: configuration, backgroundLogger: logger)
    }

    /// The TLS settings for an `sslmode`: none for `disable`, unverified for `prefer`/`require`,
    /// the CA (file or system roots) for `verify-ca`, and the CA plus the host name for `verify-full`.
    static func tlsConfiguration(for url: PostgresURL) throws(DatabaseError) -> TLSConfiguration? {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch url.sslMode {
        case .disable:
            return nil
        case .prefer, .require:
            // libpq's `require` encrypts without checking who answers; `verify-full` is the safe choice.
            tls.certificateVerification = .none
            return tls
        case .verifyCA, .verifyFull:
            tls.certificateVerification = url.sslMode == .verifyFull ? .fullVerification : .noHostnameVerification
            if let path = url.sslRootCert {
                // Loaded now, so a missing or malformed CA file stops the start instead of every later connection.
                do {
                    tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(path))
                } catch {
                    throw DatabaseError(
                        .invalidURL, "cannot read the CA certificate file for PostgreSQL (sslrootcert)",
                        underlying: SendableError(error))
                }
            }
            return tls
        }
    }

    /// Runs the pool until the task is cancelled or the service group shuts down gracefully.
    public func run() async {
        await client.run()
    }

    /// Runs the pool in a child task around `body`, then stops it: for tests and one-shot commands (`app migrate`).
    /// A database can be run once; afterwards it is closed.
    public func withRunning<T>(_ body: () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await self.run() }
            defer { group.cancelAll() }
            return try await body()
        }
    }

    /// Opens one connection outside the pool and runs `SELECT 1`: fails fast and clearly (wrong password,
    /// unknown database, TLS refused), where the pool would retry for a minute first. For start-up and `app check`.
    public func checkConnection() async throws {
        let connection = try await connect(purpose: "check")
        do {
            try await connection.query("SELECT 1", logger: logger)
        } catch {
            // postgres-nio requires a connection to be closed (not merely released) before it goes away.
            try? await connection.close().get()
            throw mapError(error)
        }
        try? await connection.close().get()
    }

    /// Opens a connection of its own (not from the pool), with errors mapped; the caller closes it.
    func connect(purpose: String) async throws -> PostgresConnection {
        var configuration = connectionConfiguration
        configuration.options.additionalStartupParameters = [("application_name", "memories-\(purpose)")]
        do {
            return try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
        } catch {
            throw mapError(error)
        }
    }

    /// Leases a pooled connection for `body`, outside any transaction. Gives up after `operationTimeout` (the pool
    /// itself would wait a minute for a server that is down, and a request must answer 503 long before that).
    public func withConnection<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await withDeadline(operationTimeout) {
            do {
                return try await self.client.withConnection { connection in try await body(connection) }
            } catch {
                throw await self.explain(error)
            }
        }
    }

    /// Runs `body` in a transaction on a pooled connection: committed when it returns, rolled back when it throws.
    /// `operationTimeout` bounds the whole transaction unless it is `unbounded` (a migration may take long).
    public func withTransaction<T: Sendable>(
        unbounded: Bool = false, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        let limit: Duration? = unbounded ? nil : operationTimeout
        let run: @Sendable () async throws -> T = {
            do {
                return try await self.client.withTransaction(logger: self.logger) { connection in
                    try await body(connection)
                }
            } catch {
                throw await self.explain(error)
            }
        }
        guard let limit else { return try await run() }
        return try await withDeadline(limit, run)
    }

    /// Runs one statement on a pooled connection and collects its rows.
    public func query(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await withConnection { connection in try await connection.query(query, logger: self.logger).collect() }
    }

    /// Runs `body`, throwing `unavailable` if it has not finished within `limit`. Cancelling a waiting lease makes
    /// the pool drop the request; a statement already sent finishes or fails with its connection. A transaction cut
    /// off this way is rolled back unless its commit was already on the wire: the caller then reports a failure
    /// for work that did happen, which is why uploads look the photo up again before removing its file.
    func withDeadline<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws
        -> T
    {
        // The caller gets its answer at the deadline even if the work does not honour cancellation (a lease or a
        // statement stuck on a connection the server dropped): waiting for it, as a task group would, once left a
        // worker's job slots taken for good after a database restart. The work is cancelled and left to end.
        let race = DeadlineRace<T>()
        let work = Task {
            do { race.finish(.success(try await body())) } catch { race.finish(.failure(error)) }
        }
        let timer = Task {
            try? await Task.sleep(for: limit)
            race.finish(nil)
        }
        let outcome = await withTaskCancellationHandler {
            await race.outcome()
        } onCancel: {
            race.finish(.failure(CancellationError()))
        }
        timer.cancel()
        guard let outcome else {
            work.cancel()
            // Ask a fresh connection for the cause (refused, wrong password) rather than only saying "too slow".
            throw await explain(
                DatabaseError(
                    .unavailable, "PostgreSQL at \(serverName) did not answer within \(limit)",
                    underlying: PostgresDriverError(detail: "no connection within \(limit)", poolGaveUp: true)))
        }
        if case .failure(let error) = outcome, error is CancellationError { work.cancel() }
        return try outcome.get()
    }

    /// Maps an error, first asking a fresh connection why when the pool only says it gave up connecting.
    func explain(_ error: any Error) async -> any Error {
        let mapped = mapError(error)
        guard let mapped = mapped as? DatabaseError, mapped.isPoolGaveUp else { return mapped }
        do {
            try await checkConnection()
            return mapped
        } catch let reason as DatabaseError {
            return reason
        } catch {
            return mapped
        }
    }
}

/// The first of a piece of work's result, its deadline (nil) or its caller's cancellation, handed to one waiter.
final class DeadlineRace<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var settled = false
    private var result: Result<T, any Error>?
    private var waiter: CheckedContinuation<Result<T, any Error>?, Never>?

    /// Records the outcome if none was recorded yet; `nil` means the deadline passed.
    func finish(_ outcome: Result<T, any Error>?) {
        lock.lock()
        guard !settled else {
            lock.unlock()
            return
        }
        settled = true
        result = outcome
        let waiting = waiter
        waiter = nil
        lock.unlock()
        waiting?.resume(returning: outcome)
    }

    /// Waits for the first outcome.
    func outcome() async -> Result<T, any Error>? {
        await withCheckedContinuation { continuation in
            lock.lock()
            if settled {
                let outcome = result
                lock.unlock()
                continuation.resume(returning: outcome)
            } else {
                waiter = continuation
                lock.unlock()
            }
        }
    }
}
