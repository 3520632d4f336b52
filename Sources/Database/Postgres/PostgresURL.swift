import Foundation

/// A parsed `postgres://user:pass@host:port/db?sslmode=…&sslrootcert=…` URL, in libpq's terms.
/// `description` masks the password, so the value can be logged and printed by `app check`.
public struct PostgresURL: Sendable, Equatable, CustomStringConvertible {
    /// How the connection uses TLS, as libpq's `sslmode` names it.
    public enum SSLMode: String, Sendable, CaseIterable {
        /// Plain TCP.
        case disable
        /// TLS when the server offers it, unverified; plain otherwise (libpq's default).
        case prefer
        /// TLS or no connection; the certificate is not checked (encryption only).
        case require
        /// TLS with a certificate signed by a trusted CA, for any host name.
        case verifyCA = "verify-ca"
        /// TLS with a certificate signed by a trusted CA and naming this host: what an external database should use.
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var sslMode: SSLMode
    /// A PEM file of CAs to trust for `verify-ca`/`verify-full`; the system's roots when nil.
    public var sslRootCert: String?

    public init(
        host: String, port: Int = 5432, username: String, password: String? = nil, database: String,
        sslMode: SSLMode = .prefer, sslRootCert: String? = nil
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.sslMode = sslMode
        self.sslRootCert = sslRootCert
    }

    /// Parses the URL; errors name what was expected and never echo the password.
    public init(parsing text: String) throws(DatabaseError) {
        let usage = "expected postgres://user:pass@host:5432/db?sslmode=disable|prefer|require|verify-ca|verify-full"
        guard text.hasPrefix("postgres://") || text.hasPrefix("postgresql://"),
            let components = URLComponents(string: text)
        else { throw DatabaseError(.invalidURL, usage) }
        guard let host = components.host, !host.isEmpty else {
            throw DatabaseError(.invalidURL, "no host in the PostgreSQL URL: \(usage)")
        }
        guard let user = components.user, !user.isEmpty else {
            throw DatabaseError(.invalidURL, "no user in the PostgreSQL URL: \(usage)")
        }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else {
            throw DatabaseError(.invalidURL, "no database name in the PostgreSQL URL: \(usage)")
        }
        var sslMode = SSLMode.prefer
        var rootCert: String?
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = item.value.flatMap(SSLMode.init(rawValue:)) else {
                    throw DatabaseError(.invalidURL, "unknown sslmode '\(item.value ?? "")': \(usage)")
                }
                sslMode = mode
            case "sslrootcert":
                rootCert = item.value.flatMap { $0.isEmpty ? nil : $0 }
            default:
                // Unknown libpq parameters (application_name, connect_timeout, …) would be silently ignored,
                // which hides typos in security settings such as `sslmode`.
                throw DatabaseError(.invalidURL, "unsupported parameter '\(item.name)' in the PostgreSQL URL: \(usage)")
            }
        }
        self.init(
            host: host, port: components.port ?? 5432, username: user, password: components.password,
            database: database, sslMode: sslMode, sslRootCert: rootCert)
    }

    /// True for a loopback address or `localhost`: what the tests insist on before creating and dropping databases.
    public var isLocalHost: Bool {
        ["localhost", "127.0.0.1", "::1"].contains(host.lowercased()) || host.hasPrefix("127.")
    }

    /// The URL again, with the password masked.
    public var description: String { render(password: password == nil ? nil : "****") }

    /// The URL with its real password, for handing to another process (never for logs).
    public var unmaskedURL: String { render(password: password) }

    /// The same server and credentials, another database (the tests' per-test databases).
    public func with(database: String) -> PostgresURL {
        var copy = self
        copy.database = database
        return copy
    }

    private func render(password: String?) -> String {
        var components = URLComponents()
        components.scheme = "postgres"
        components.user = username
        components.password = password
        components.host = host
        components.port = port
        components.path = "/" + database
        var items = [URLQueryItem(name: "sslmode", value: sslMode.rawValue)]
        if let sslRootCert { items.append(URLQueryItem(name: "sslrootcert", value: sslRootCert)) }
        components.queryItems = items
        return components.string ?? "postgres://\(username)@\(host):\(port)/\(database)"
    }
}
