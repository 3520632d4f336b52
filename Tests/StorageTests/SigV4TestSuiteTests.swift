import Foundation
import Testing

@testable import Storage

/// AWS's SigV4 test suite (aws-c-auth's copy in ../shared/sigv4-test-suite): every case, header and query signing,
/// every stage compared byte for byte with the published files.
@Suite struct SigV4TestSuiteTests {
    /// One folder of the suite: the context, the request, and the expected files.
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let folder: URL
        var testDescription: String { name }

        func text(_ file: String) throws -> String {
            try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
        }
    }

    static var suiteFolder: URL? {
        TestSupport.sharedDirectory?.appendingPathComponent("sigv4-test-suite")
    }

    /// The case folders, or none when the suite is not beside the repository (a clean clone).
    static var cases: [Case] {
        guard let folder = suiteFolder,
            let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path)
        else { return [] }
        return names.sorted().compactMap { name in
            let caseFolder = folder.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: caseFolder.appendingPathComponent("request.txt").path) else {
                return nil
            }
            return Case(name: name, folder: caseFolder)
        }
    }

    @Test func suiteIsPresent() {
        guard let folder = Self.suiteFolder, FileManager.default.fileExists(atPath: folder.path) else {
            print(
                "skipped: SigV4 test suite not found at \(Self.suiteFolder?.path ?? "../shared/sigv4-test-suite") (set MEMORIES_SHARED_DIR)"
            )
            return
        }
        // 38 cases in aws-c-auth's v4 folder at the copied commit; fewer means the copy is incomplete.
        #expect(Self.cases.count >= 38)
    }

    @Test(arguments: cases)
    func headerSigning(_ testCase: Case) throws {
        let context = try Context(testCase.text("context.json"))
        let parsed = try ParsedRequest(testCase.text("request.txt"))
        let signer = SigV4Signer(credentials: context.credentials, region: context.region, service: context.service)
        let result = signer.signHeaders(
            parsed.signerRequest, date: context.date, normalizePath: context.normalize,
            contentSHA256Header: context.signBody, signSessionToken: !context.omitSessionToken
        )
        #expect(result.canonicalRequest == (try testCase.text("header-canonical-request.txt")))
        #expect(result.stringToSign == (try testCase.text("header-string-to-sign.txt")))
        #expect(result.signature == (try testCase.text("header-signature.txt")))
        #expect(parsed.render(addingHeaders: result.headers) == (try testCase.text("header-signed-request.txt")))
    }

    @Test(arguments: cases)
    func querySigning(_ testCase: Case) throws {
        let context = try Context(testCase.text("context.json"))
        let parsed = try ParsedRequest(testCase.text("request.txt"))
        let signer = SigV4Signer(credentials: context.credentials, region: context.region, service: context.service)
        let result = signer.presign(
            parsed.signerRequest, date: context.date, expires: context.expires, normalizePath: context.normalize,
            signSessionToken: !context.omitSessionToken
        )
        #expect(result.canonicalRequest == (try testCase.text("query-canonical-request.txt")))
        #expect(result.stringToSign == (try testCase.text("query-string-to-sign.txt")))
        #expect(result.signature == (try testCase.text("query-signature.txt")))
        // aws-c-auth appends the parameters in its own order (SignedHeaders before Expires); the order carries no
        // meaning, so the added items are picked by name and written in the order the expected file uses.
        let order = [
            "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Expires",
            "X-Amz-Security-Token", "X-Amz-Signature",
        ]
        let added = order.compactMap { name in result.value(of: name).map { "\(name)=\($0)" } }.joined(separator: "&")
        #expect(parsed.render(addingQuery: added) == (try testCase.text("query-signed-request.txt")))
    }

    /// `context.json`: credentials, region, service, time and options.
    struct Context {
        let credentials: SigV4Credentials
        let region: String
        let service: String
        let date: Date
        let expires: Int
        let normalize: Bool
        let signBody: Bool
        let omitSessionToken: Bool

        init(_ json: String) throws {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
            let keys = try #require(object["credentials"] as? [String: Any])
            credentials = SigV4Credentials(
                accessKeyID: try #require(keys["access_key_id"] as? String),
                secretAccessKey: try #require(keys["secret_access_key"] as? String),
                sessionToken: keys["token"] as? String
            )
            region = try #require(object["region"] as? String)
            service = try #require(object["service"] as? String)
            let timestamp = try #require(object["timestamp"] as? String)
            date = try #require(ISO8601DateFormatter().date(from: timestamp))
            expires = object["expiration_in_seconds"] as? Int ?? 3600
            normalize = object["normalize"] as? Bool ?? true
            signBody = object["sign_body"] as? Bool ?? false
            omitSessionToken = object["omit_session_token"] as? Bool ?? false
        }
    }

    /// `request.txt` split into its request line, headers (folded lines kept) and body, and written back out.
    struct ParsedRequest {
        let method: String
        let path: String
        let rawQuery: String?
        let version: String
        let headers: [SigV4Signer.Field]
        let body: String

        init(_ text: String) throws {
            let (head, body) =
                text.range(of: "\n\n").map { (String(text[..<$0.lowerBound]), String(text[$0.upperBound...])) }
                ?? (text.hasSuffix("\n") ? String(text.dropLast()) : text, "")
            var lines = head.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let requestLine = lines.removeFirst()
            // The target may contain spaces ("/example space/"): method before the first, version after the last.
            let first = try #require(requestLine.firstIndex(of: " "))
            let last = try #require(requestLine.lastIndex(of: " "))
            method = String(requestLine[..<first])
            version = String(requestLine[requestLine.index(after: last)...])
            let target = String(requestLine[requestLine.index(after: first)..<last])
            if let mark = target.firstIndex(of: "?") {
                path = String(target[..<mark])
                rawQuery = String(target[target.index(after: mark)...])
            } else {
                path = target
                rawQuery = nil
            }
            var headers: [SigV4Signer.Field] = []
            for line in lines {
                if line.first == " " || line.first == "\t", !headers.isEmpty {
                    headers[headers.count - 1].value += "\n" + line
                } else if let colon = line.firstIndex(of: ":") {
                    headers.append(.init(String(line[..<colon]), String(line[line.index(after: colon)...])))
                }
            }
            self.headers = headers
            self.body = body
        }

        /// Query items decoded, as the signer takes them.
        var query: [SigV4Signer.Field] {
            guard let rawQuery, !rawQuery.isEmpty else { return [] }
            return rawQuery.split(separator: "&").map { pair in
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let name = String(parts[0]).removingPercentEncoding ?? String(parts[0])
                let value = parts.count > 1 ? (String(parts[1]).removingPercentEncoding ?? String(parts[1])) : ""
                return .init(name, value)
            }
        }

        var signerRequest: SigV4Signer.Request {
            SigV4Signer.Request(
                method: method, path: path, query: query, headers: headers,
                payloadHash: SigV4Signer.hexSHA256(Array(body.utf8))
            )
        }

        func render(addingHeaders added: [SigV4Signer.Field]) -> String {
            let target = path + (rawQuery.map { "?" + $0 } ?? "")
            let lines = (headers + added).map { "\($0.name):\($0.value)" }
            return "\(method) \(target) \(version)\n" + lines.map { $0 + "\n" }.joined() + "\n" + body
        }

        func render(addingQuery added: String) -> String {
            let query = (rawQuery.map { $0 + "&" } ?? "") + added
            let lines = headers.map { "\($0.name):\($0.value)" }
            return "\(method) \(path)?\(query) \(version)\n" + lines.map { $0 + "\n" }.joined() + "\n" + body
        }
    }
}
