import Crypto
import Foundation

/// AWS Signature Version 4 as pure, staged functions over an injected date:
/// canonical request → string to sign → signing key → signature, for header-signed requests and presigned URLs.
///
/// Paths and query items are given *decoded*; the signer encodes them once (RFC 3986, the way S3 wants it),
/// so the caller must send the path and query exactly as `encodedPath`/`encodeQueryComponent` produce them.
public struct SigV4Signer: Sendable {
    public static let algorithm = "AWS4-HMAC-SHA256"
    /// The payload hash S3 accepts when the body is not hashed (presigned URLs, or by choice).
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"
    /// SHA-256 of the empty string, the payload hash of every bodiless request.
    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// A header or a query item, in the order the caller sends it.
    public struct Field: Sendable, Equatable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    /// What gets signed: method, decoded path and query, the headers as sent (including `Host`), and the payload hash.
    public struct Request: Sendable {
        public var method: String
        public var path: String
        public var query: [Field]
        public var headers: [Field]
        /// Hex SHA-256 of the body, or `SigV4Signer.unsignedPayload`.
        public var payloadHash: String

        public init(
            method: String, path: String, query: [Field] = [], headers: [Field],
            payloadHash: String = SigV4Signer.emptyPayloadHash
        ) {
            self.method = method
            self.path = path
            self.query = query
            self.headers = headers
            self.payloadHash = payloadHash
        }
    }

    /// The canonical request text and the `SignedHeaders` list it commits to.
    public struct CanonicalRequest: Sendable, Equatable {
        public var text: String
        public var signedHeaders: String
    }

    /// The outcome of header signing: headers to append (in this order) plus every intermediate stage for debugging.
    public struct HeaderSignature: Sendable {
        /// `X-Amz-Security-Token` (if any), `X-Amz-Date`, `x-amz-content-sha256` (if asked), `Authorization`.
        public var headers: [Field]
        public var canonicalRequest: String
        public var stringToSign: String
        public var signature: String
        public var authorization: String
    }

    /// The outcome of query signing (a presigned URL): the query items to append, already percent-encoded.
    public struct QuerySignature: Sendable {
        /// In the order AWS's documentation and botocore use: Algorithm, Credential, Date, Expires, SignedHeaders,
        /// Security-Token (if any), Signature. Values are encoded; names need no encoding.
        public var queryItems: [Field]
        public var canonicalRequest: String
        public var stringToSign: String
        public var signature: String

        /// `name=value&…` of `queryItems`, ready to follow `?` (or `&` after the request's own query).
        public var queryString: String { queryItems.map { "\($0.name)=\($0.value)" }.joined(separator: "&") }

        /// The encoded value of one of the added items.
        public func value(of name: String) -> String? { queryItems.first { $0.name == name }?.value }
    }

    public var credentials: SigV4Credentials
    public var region: String
    public var service: String

    public init(credentials: SigV4Credentials, region: String, service: String = "s3") {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    // MARK: Whole signatures

    /// Signs with an `Authorization` header.
    /// - Parameters:
    ///   - normalizePath: remove `.`/`..` and empty segments first (every service but S3, which signs the key as is).
    ///   - contentSHA256Header: add `x-amz-content-sha256` (S3 requires it on every header-signed request).
    ///   - signSessionToken: include `X-Amz-Security-Token` in the signature (false only for services that want it
    ///     appended after signing).
    public func signHeaders(
        _ request: Request, date: Date, normalizePath: Bool = false, contentSHA256Header: Bool = true,
        signSessionToken: Bool = true
    ) -> HeaderSignature {
        let stamp = Self.timestamp(date)
        var added: [Field] = []
        if let token = credentials.sessionToken { added.append(Field("X-Amz-Security-Token", token)) }
        added.append(Field("X-Amz-Date", stamp.dateTime))
        if contentSHA256Header { added.append(Field("x-amz-content-sha256", request.payloadHash)) }
        var signed = request
        signed.headers += signSessionToken ? added : added.filter { $0.name != "X-Amz-Security-Token" }
        let canonical = canonicalRequest(signed, normalizePath: normalizePath)
        let scope = credentialScope(date: stamp.date)
        let toSign = Self.stringToSign(canonicalRequest: canonical.text, dateTime: stamp.dateTime, scope: scope)
        let signature = Self.signature(stringToSign: toSign, signingKey: signingKey(date: stamp.date))
        let authorization =
            "\(Self.algorithm) Credential=\(credentials.accessKeyID)/\(scope), "
            + "SignedHeaders=\(canonical.signedHeaders), Signature=\(signature)"
        added.append(Field("Authorization", authorization))
        return HeaderSignature(
            headers: added, canonicalRequest: canonical.text, stringToSign: toSign, signature: signature,
            authorization: authorization)
    }

    /// Signs with query parameters (a presigned URL valid for `expires` seconds from `date`).
    /// The request's payload hash is used as given: `UNSIGNED-PAYLOAD` for S3 presigned URLs.
    public func presign(
        _ request: Request, date: Date, expires: Int, normalizePath: Bool = false, signSessionToken: Bool = true
    ) -> QuerySignature {
        let stamp = Self.timestamp(date)
        let scope = credentialScope(date: stamp.date)
        let signedHeaders = Self.canonicalHeaders(request.headers).signedHeaders
        var auth: [Field] = [
            Field("X-Amz-Algorithm", Self.algorithm),
            Field("X-Amz-Credential", "\(credentials.accessKeyID)/\(scope)"),
            Field("X-Amz-Date", stamp.dateTime),
            Field("X-Amz-Expires", String(expires)),
            Field("X-Amz-SignedHeaders", signedHeaders),
        ]
        var signedQuery = request.query + auth
        if let token = credentials.sessionToken {
            auth.append(Field("X-Amz-Security-Token", token))
            if signSessionToken { signedQuery.append(Field("X-Amz-Security-Token", token)) }
        }
        var signed = request
        signed.query = signedQuery
        let canonical = canonicalRequest(signed, normalizePath: normalizePath)
        let toSign = Self.stringToSign(canonicalRequest: canonical.text, dateTime: stamp.dateTime, scope: scope)
        let signature = Self.signature(stringToSign: toSign, signingKey: signingKey(date: stamp.date))
        auth.append(Field("X-Amz-Signature", signature))
        let encoded = auth.map { Field($0.name, Self.encodeQueryComponent($0.value)) }
        return QuerySignature(
            queryItems: encoded, canonicalRequest: canonical.text, stringToSign: toSign, signature: signature)
    }

    // MARK: Stages

    /// Stage 1: the canonical request (method, URI, query, headers, signed headers, payload hash).
    public func canonicalRequest(_ request: Request, normalizePath: Bool = false) -> CanonicalRequest {
        let path = normalizePath ? Self.normalizedPath(request.path) : request.path
        let headers = Self.canonicalHeaders(request.headers)
        let text = [
            request.method.uppercased(), Self.encodedPath(path), Self.canonicalQuery(request.query), headers.text,
            headers.signedHeaders, request.payloadHash,
        ].joined(separator: "\n")
        return CanonicalRequest(text: text, signedHeaders: headers.signedHeaders)
    }

    /// `yyyymmdd/region/service/aws4_request`.
    public func credentialScope(date: String) -> String {
        "\(date)/\(region)/\(service)/aws4_request"
    }

    /// Stage 2: algorithm, timestamp, scope and the hash of the canonical request.
    public static func stringToSign(canonicalRequest: String, dateTime: String, scope: String) -> String {
        [algorithm, dateTime, scope, hexSHA256(Array(canonicalRequest.utf8))].joined(separator: "\n")
    }

    /// Stage 3: the key derived from the secret for one day, region and service.
    public func signingKey(date: String) -> SymmetricKey {
        let secret = SymmetricKey(data: Array(("AWS4" + credentials.secretAccessKey).utf8))
        let dateKey = Self.hmac(secret, date)
        let regionKey = Self.hmac(dateKey, region)
        let serviceKey = Self.hmac(regionKey, service)
        return Self.hmac(serviceKey, "aws4_request")
    }

    /// Stage 4: the hex HMAC of the string to sign.
    public static func signature(stringToSign: String, signingKey: SymmetricKey) -> String {
        Hex.encode(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: signingKey))
    }

    /// The `X-Amz-Date` value (`yyyymmddThhmmssZ`) and the scope date (`yyyymmdd`) for an instant, in UTC.
    public static func timestamp(_ date: Date) -> (dateTime: String, date: String) {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let day = String(format: "%04d%02d%02d", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday))
        let time = String(format: "%02d%02d%02d", Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
        return (day + "T" + time + "Z", day)
    }

    // MARK: Canonical forms

    /// Lowercased names sorted, values trimmed with inner whitespace runs collapsed, repeated names joined by commas
    /// in the order they were sent.
    public static func canonicalHeaders(_ headers: [Field]) -> (text: String, signedHeaders: String) {
        var order: [String] = []
        var values: [String: [String]] = [:]
        for header in headers {
            let name = header.name.lowercased()
            if values[name] == nil { order.append(name) }
            values[name, default: []].append(collapseWhitespace(header.value))
        }
        let names = order.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        let text = names.map { "\($0):\(values[$0]!.joined(separator: ","))\n" }.joined()
        return (text, names.joined(separator: ";"))
    }

    /// Items encoded, then sorted by encoded name and value (byte order).
    public static func canonicalQuery(_ items: [Field]) -> String {
        items
            .map { (encodeQueryComponent($0.name), encodeQueryComponent($0.value)) }
            .sorted { lhs, rhs in
                lhs.0 == rhs.0
                    ? Array(lhs.1.utf8).lexicographicallyPrecedes(Array(rhs.1.utf8))
                    : Array(lhs.0.utf8).lexicographicallyPrecedes(Array(rhs.0.utf8))
            }
            .map { "\($0.0)=\($0.1)" }
            .joined(separator: "&")
    }

    /// A decoded path encoded for the canonical request and the wire: unreserved bytes and `/` kept.
    public static func encodedPath(_ path: String) -> String {
        let encoded = percentEncode(path, keepSlash: true)
        return encoded.isEmpty ? "/" : encoded
    }

    /// A query name or value encoded the SigV4 way (everything but `A-Za-z0-9-._~`, spaces as `%20`).
    public static func encodeQueryComponent(_ value: String) -> String {
        percentEncode(value, keepSlash: false)
    }

    /// RFC 3986 dot-segment removal with empty segments dropped; a trailing slash survives.
    public static func normalizedPath(_ path: String) -> String {
        var segments: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch segment {
            case ".": continue
            case "..": _ = segments.popLast()
            default: segments.append(segment)
            }
        }
        let joined = "/" + segments.joined(separator: "/")
        let trailing = path.hasSuffix("/") && !segments.isEmpty
        return trailing ? joined + "/" : joined
    }

    // MARK: Helpers

    /// Lowercase hex of a SHA-256 digest.
    public static func hexSHA256(_ bytes: [UInt8]) -> String {
        Hex.encode(SHA256.hash(data: bytes))
    }

    private static func hmac(_ key: SymmetricKey, _ message: String) -> SymmetricKey {
        SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array(message.utf8), using: key)))
    }

    private static func collapseWhitespace(_ value: String) -> String {
        // Multi-line (obs-fold) values and runs of spaces inside quotes all become one space, as AWS specifies.
        value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }).joined(separator: " ")
    }

    private static func percentEncode(_ value: String, keepSlash: Bool) -> String {
        let hexDigits = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(value.utf8.count)
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(byte)
            case UInt8(ascii: "/") where keepSlash: out.append(byte)
            default:
                out.append(UInt8(ascii: "%"))
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0f)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
