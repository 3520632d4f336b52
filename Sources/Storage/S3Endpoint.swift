import Foundation

/// The scheme, host and port requests go to, parsed once from `S3_ENDPOINT` or `SQS_ENDPOINT` (or AWS's regional
/// endpoint).
public struct S3Endpoint: Sendable, Equatable {
    public var scheme: String
    public var host: String
    /// Only a port that differs from the scheme's default, so the signed `Host` matches what clients send.
    public var port: Int?

    /// Accepts `http(s)://host[:port]` with an optional trailing `/`; nil for anything else (paths, queries, userinfo).
    public init?(parsing text: String) {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host, !host.isEmpty, url.user == nil, url.password == nil, url.query == nil,
            url.fragment == nil, url.path.isEmpty || url.path == "/"
        else { return nil }
        self.scheme = scheme
        self.host = host.lowercased()
        let defaultPort = scheme == "https" ? 443 : 80
        self.port = url.port.flatMap { $0 == defaultPort ? nil : $0 }
    }

    /// AWS's regional S3 endpoint.
    static func aws(region: String) -> S3Endpoint {
        S3Endpoint(parsing: "https://s3.\(region).amazonaws.com")!
    }

    /// `host[:port]`, as sent in `Host` and signed.
    public var authority: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port.map { "\(name):\($0)" } ?? name
    }
}
