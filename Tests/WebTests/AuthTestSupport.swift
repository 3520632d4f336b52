import Composition
import Database
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MemoriesTestSupport
import NIOCore
import Storage
import Testing
import Web

/// The database and media folder behind one or more app servers in an account test.
struct AuthHarness: Sendable {
    let database: any SQLDatabase
    let accounts: any AccountRepository
    let photos: any PhotoRepository
    let store: LocalStore
    let hasher = PasswordHasher(cost: 4)

    /// Creates a user the way `app users create` does (a member unless `role` says otherwise).
    @discardableResult
    func createUser(_ name: String, password: String = "correct horse battery", role: Role = .member) async throws
        -> User
    {
        let hash = try await hasher.hash(password)
        guard let user = try await accounts.createUser(username: name, passwordHash: hash, role: role) else {
            throw APIError(.conflict, "taken", "user \(name) exists")
        }
        return user
    }

    /// Creates an API token the way `app tokens create` does; returns its secret and id.
    func createToken(for name: String) async throws -> (secret: String, id: Int64) {
        let secret = SecretToken.newAPIToken()
        let token = try await accounts.createToken(username: name, name: "test", tokenHash: SecretToken.digest(secret))
        return (secret, try #require(token).id)
    }

    /// Every file under the media folder.
    func mediaFiles() -> [String] {
        (FileManager.default.enumerator(atPath: store.root)?.allObjects as? [String] ?? []).filter {
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: store.root + "/" + $0, isDirectory: &isDirectory)
                && !isDirectory.boolValue
        }
    }
}

/// Runs `body` against `servers` app servers (routers), each built by the composition root, that share one database
/// and one media folder, as several app servers behind a load balancer do. Skips PostgreSQL (after saying so) when no
/// test server is configured.
func withAuthApps(
    _ backend: DatabaseKind, servers: Int = 1, galleryPublic: Bool = false, required: Bool = true,
    _ body: @escaping @Sendable (AuthHarness, [any TestClientProtocol]) async throws -> Void
) async throws {
    try await withWorkspace { workspace in
        let auth = AuthConfiguration(required: required, galleryPublic: galleryPublic, bcryptCost: 4)
        try await backend.with(try Configuration.test(root: workspace.root, auth: auth), workspace: workspace) {
            configuration, _ in
            try await runServers(servers, configuration: configuration, workspace: workspace, clients: [], body)
        }
    }
}

/// Starts one server after another (nesting their test clients), then runs `body` with all of them.
private func runServers(
    _ remaining: Int, configuration: Configuration, workspace: TestWorkspace, clients: [any TestClientProtocol],
    _ body: @escaping @Sendable (AuthHarness, [any TestClientProtocol]) async throws -> Void
) async throws {
    try await withWebApp(configuration, logger: workspace.logger) { runtime, client in
        guard remaining > 1 else {
            let harness = AuthHarness(
                database: runtime.database.sql, accounts: runtime.database.accounts, photos: runtime.photos,
                store: workspace.store)
            return try await body(harness, clients + [client])
        }
        try await runServers(
            remaining - 1, configuration: configuration, workspace: workspace, clients: clients + [client], body)
    }
}

/// A browser with its cookie jar: the CSRF cookie from its first page, the session cookie once signed in, and the
/// token its forms carry (the cookie's while anonymous, the session-bound one from the pages once signed in).
struct SignedInBrowser: Sendable {
    let client: any TestClientProtocol
    let csrfCookie: String
    var csrf: String
    var session: String?

    init(client: any TestClientProtocol, csrfCookie: String, csrf: String? = nil, session: String? = nil) {
        self.client = client
        self.csrfCookie = csrfCookie
        self.csrf = csrf ?? csrfCookie
        self.session = session
    }

    /// Opens the login page and keeps the CSRF cookie.
    static func open(_ client: any TestClientProtocol) async throws -> SignedInBrowser {
        let page = try await client.execute(uri: "/login", method: .get, headers: [.accept: "text/html"])
        let cookie = try #require(page.headers[values: .setCookie].first { $0.hasPrefix("memories_csrf=") })
        return SignedInBrowser(
            client: client, csrfCookie: String(cookie.dropFirst("memories_csrf=".count).prefix { $0 != ";" }))
    }

    /// The token in a page's `<meta name="csrf-token">`, as the page's scripts read it.
    static func pageToken(_ html: String) -> String? {
        guard let range = html.range(of: #"<meta name="csrf-token" content=""#) else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }

    /// Opens the login page and signs in; throws unless the server set a session cookie.
    static func signIn(_ client: any TestClientProtocol, _ name: String, password: String = "correct horse battery")
        async throws
        -> SignedInBrowser
    {
        var browser = try await open(client)
        let response = try await browser.login(name, password: password)
        guard response.status == .seeOther, browser.session != nil else {
            throw APIError(.unauthorized, "login_failed", "login as \(name) answered \(response.status)")
        }
        return browser
    }

    var cookie: String {
        ["memories_csrf=\(csrfCookie)", session.map { "memories_session=\($0)" }].compactMap { $0 }.joined(
            separator: "; ")
    }

    /// Posts the login form; keeps the session cookie it sets.
    mutating func login(_ name: String, password: String, next: String? = nil) async throws -> TestResponse {
        var fields = ["username": name, "password": password]
        if let next { fields["next"] = next }
        let response = try await postForm("/login", fields)
        if let set = Self.sessionCookie(response) {
            session = String(set.dropFirst("memories_session=".count).prefix { $0 != ";" })
            // Signed in, the pages carry a token bound to the session: take it from the next page, as a browser would.
            if let token = Self.pageToken(try await get("/").text) { csrf = token }
        }
        return response
    }

    static func sessionCookie(_ response: TestResponse) -> String? {
        response.headers[values: .setCookie].first { $0.hasPrefix("memories_session=") }
    }

    /// Posts a URL-encoded form with the CSRF field unless `withToken` is false.
    func postForm(_ uri: String, _ fields: [String: String], withToken: Bool = true) async throws -> TestResponse {
        var all = fields
        if withToken { all["csrf_token"] = csrf }
        return try await client.postURLEncodedForm(uri, all, cookie: cookie)
    }

    /// Uploads as the page's form does (CSRF field first, then the files).
    func upload(_ files: [(String, [UInt8])], accept: String = "application/json", withToken: Bool = true) async throws
        -> TestResponse
    {
        var parts: [MultipartBody.Part] = []
        if withToken {
            parts.append(.init(name: "csrf_token", fileName: nil, contentType: nil, bytes: Array(csrf.utf8)))
        }
        parts += MultipartBody.files(files).parts
        let body = MultipartBody(parts: parts)
        return try await client.execute(
            uri: "/photos", method: .post, headers: [.contentType: body.contentType, .accept: accept, .cookie: cookie],
            body: body.buffer)
    }

    func get(_ uri: String, accept: String = "text/html") async throws -> TestResponse {
        try await client.execute(uri: uri, method: .get, headers: [.accept: accept, .cookie: cookie])
    }
}

extension TestClientProtocol {
    /// Uploads with `Authorization: Bearer` and no cookie or CSRF token, as a script does.
    func uploadWithToken(_ token: String, _ files: [(String, [UInt8])]) async throws -> TestResponse {
        let body = MultipartBody.files(files)
        return try await execute(
            uri: "/photos", method: .post,
            headers: [.contentType: body.contentType, .accept: "application/json", .authorization: "Bearer \(token)"],
            body: body.buffer)
    }
}
