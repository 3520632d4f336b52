import Logging
import NIOSSL
import PostgresNIO
import _ConnectionPoolModule

/// The driver's error kept for logs: its full debug text (which may hold SQL, never the password) and whether
/// it was the pool giving up on connecting, which says nothing about why.
struct PostgresDriverError: Error, Sendable, CustomStringConvertible {
    let description: String
    let poolGaveUp: Bool

    init(_ error: any Error, poolGaveUp: Bool = false) {
        self.init(detail: String(reflecting: error), poolGaveUp: poolGaveUp)
    }

    init(detail: String, poolGaveUp: Bool) {
        self.description = detail
        self.poolGaveUp = poolGaveUp
    }
}

extension DatabaseError {
    /// True when the pool stopped trying to connect (postgres-nio's circuit breaker), without the reason.
    var isPoolGaveUp: Bool { (underlying as? PostgresDriverError)?.poolGaveUp == true }
}

extension PostgresDatabase {
    /// `host:port`, for messages.
    var serverName: String { "\(url.host):\(url.port)" }

    /// Turns postgres-nio errors into `DatabaseError`s whose messages name the cause without SQL or secrets.
    /// Cancellation passes through untouched: callers treat it as shutdown, not as a database failure.
    func mapError(_ error: any Error) -> any Error {
        switch error {
        case let error as DatabaseError:
            return error
        case is CancellationError:
            return error
        case let error as PostgresTransactionError:
            // The first failure is the cause; a failed ROLLBACK after it is only a consequence.
            if let cause = error.beginError ?? error.closureError ?? error.commitError ?? error.rollbackError {
                return mapError(cause)
            }
            return DatabaseError(
                .unavailable, "a PostgreSQL transaction failed", underlying: PostgresDriverError(error))
        case let error as PSQLError:
            let mapped = map(error)
            logger.debug(
                "postgres error", metadata: ["error": "\(mapped.message)", "detail": "\(String(reflecting: error))"])
            return mapped
        case let error as ConnectionPoolError where error == .connectionCreationCircuitBreakerTripped:
            return DatabaseError(
                .unavailable, "cannot connect to PostgreSQL at \(serverName): every attempt failed for a minute",
                underlying: PostgresDriverError(error, poolGaveUp: true))
        case let error as PostgresDecodingError:
            return DatabaseError(
                .corruptRow, "a PostgreSQL row has an unexpected type in column \(error.columnName)",
                underlying: PostgresDriverError(error))
        default:
            return DatabaseError(
                .unavailable, "PostgreSQL at \(serverName) failed (\(type(of: error)))",
                underlying: PostgresDriverError(error))
        }
    }

    private func map(_ error: PSQLError) -> DatabaseError {
        let underlying = PostgresDriverError(error)
        switch error.code {
        case .server:
            return mapServer(error, underlying: underlying)
        case .sslUnsupported:
            return DatabaseError(
                .unavailable, "PostgreSQL at \(serverName) does not offer TLS, but sslmode=\(url.sslMode.rawValue)",
                underlying: underlying)
        case .connectionError, .failedToAddSSLHandler:
            if let tls = error.underlying.flatMap(Self.describeTLSFailure) {
                return DatabaseError(
                    .unavailable,
                    "TLS handshake with PostgreSQL at \(serverName) failed (sslmode=\(url.sslMode.rawValue)): \(tls)",
                    underlying: underlying)
            }
            let reason = error.underlying.map { " (\(Self.shortDescription($0)))" } ?? ""
            return DatabaseError(
                .unavailable, "cannot reach PostgreSQL at \(serverName)\(reason)", underlying: underlying)
        case .authMechanismRequiresPassword:
            return DatabaseError(
                .unavailable,
                "PostgreSQL at \(serverName) asks user \(url.username) for a password, and the URL has none",
                underlying: underlying)
        case .saslError, .unsupportedAuthMechanism:
            return DatabaseError(
                .unavailable, "cannot log in to PostgreSQL at \(serverName) as \(url.username): authentication failed",
                underlying: underlying)
        case .serverClosedConnection, .clientClosedConnection, .uncleanShutdown:
            return DatabaseError(
                .unavailable, "the connection to PostgreSQL at \(serverName) closed unexpectedly",
                underlying: underlying)
        case .poolClosed:
            return DatabaseError(
                .unavailable, "the PostgreSQL pool is closed (PostgresDatabase.run() is not running)",
                underlying: underlying)
        case .queryCancelled:
            return DatabaseError(.unavailable, "a PostgreSQL query was cancelled", underlying: underlying)
        default:
            return DatabaseError(
                .unavailable, "PostgreSQL at \(serverName) failed (\(error.code))", underlying: underlying)
        }
    }

    /// Errors the server reported, by SQLSTATE class; its message names objects, never bound values or SQL.
    private func mapServer(_ error: PSQLError, underlying: PostgresDriverError) -> DatabaseError {
        let state = error.serverInfo?[.sqlState] ?? ""
        let message = error.serverInfo?[.message] ?? "unknown error"
        switch state {
        case let state where state.hasPrefix("28"):
            // invalid_authorization_specification / invalid_password: "password authentication failed for user …"
            return DatabaseError(
                .unavailable, "cannot log in to PostgreSQL at \(serverName): \(message)", underlying: underlying)
        case "3D000":
            return DatabaseError(.unavailable, "PostgreSQL at \(serverName): \(message)", underlying: underlying)
        case "42P01", "42703":
            // A missing table or column means the schema is older than this build.
            return DatabaseError(
                .migrationsPending, "\(message): the database is behind this version, run `app migrate` first",
                underlying: underlying)
        case let state where state.hasPrefix("23"):
            let constraint = error.serverInfo?[.constraintName].map { " \($0)" } ?? ""
            return DatabaseError(
                .corruptRow, "a row broke the database constraint\(constraint)", underlying: underlying)
        case let state where state.hasPrefix("08") || state.hasPrefix("53") || state.hasPrefix("57"):
            // Connection trouble, resources exhausted, the server shutting down: worth retrying.
            return DatabaseError(
                .unavailable, "PostgreSQL at \(serverName) is unavailable: \(message)", underlying: underlying)
        default:
            return DatabaseError(
                .unavailable, "PostgreSQL failed (SQLSTATE \(state.isEmpty ? "?" : state): \(message))",
                underlying: underlying)
        }
    }

    /// A readable reason when a connection failed in the TLS handshake (an unknown CA, a wrong host name).
    private static func describeTLSFailure(_ error: any Error) -> String? {
        switch error {
        case let error as NIOSSLError:
            switch error {
            case .handshakeFailed(let inner):
                let text = "\(inner)"
                if text.contains("CERTIFICATE_VERIFY_FAILED") {
                    return "the server's certificate is not signed by a trusted CA (check sslrootcert)"
                }
                return "handshake failed (\(text))"
            default:
                return "\(error)"
            }
        case let error as NIOSSLExtraError:
            if "\(error)".contains("hostname") {
                return "the server's certificate does not name this host (\(error))"
            }
            return "\(error)"
        case let error as BoringSSLError:
            return "\(error)"
        default:
            return nil
        }
    }

    /// A driver error's description cut to its first line, for a message.
    private static func shortDescription(_ error: any Error) -> String {
        String(String(describing: error).prefix { $0 != "\n" }.prefix(200))
    }
}
