import Foundation
import Storage

/// Where `QUEUE=sqs` sends jobs: the queue's URL, the endpoint and region requests are signed for, the credentials
/// (the same `AWS_*` variables the S3 store reads), and how workers poll.
public struct SQSConfiguration: Sendable, CustomStringConvertible {
    /// `https://sqs.us-east-1.amazonaws.com/123456789012/memories-jobs`, or moto's `http://127.0.0.1:PORT/…/name`.
    public var queueURL: String
    public var region: String
    /// Where requests go; AWS's regional endpoint unless `SQS_ENDPOINT` names another (moto, ElasticMQ).
    public var endpoint: S3Endpoint
    public var credentials: SigV4Credentials
    /// Long-poll wait of one receive, 0–20 seconds (`SQS_WAIT_SECONDS`, default 20).
    public var waitSeconds: Int
    /// Deadline of one request, in seconds: a long poll's wait plus this.
    public var requestTimeout: Int = 10

    public init(
        queueURL: String, region: String, endpoint: S3Endpoint? = nil, credentials: SigV4Credentials,
        waitSeconds: Int = 20
    ) {
        self.queueURL = queueURL
        self.region = region
        self.endpoint = endpoint ?? S3Endpoint(parsing: "https://sqs.\(region).amazonaws.com")!
        self.credentials = credentials
        self.waitSeconds = waitSeconds
    }

    /// Reads `SQS_QUEUE_URL`, `SQS_REGION` (else `AWS_REGION`, else the queue URL's region, else us-east-1),
    /// `SQS_ENDPOINT`, `SQS_WAIT_SECONDS` and `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN`.
    /// Returns the configuration, or every problem found, one line each naming its variable.
    public static func fromEnvironment(_ env: [String: String]) -> Result<SQSConfiguration, SQSError> {
        func value(_ name: String) -> String? {
            guard let raw = env[name]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
            return raw
        }
        var problems: [String] = []
        let queueURL = value("SQS_QUEUE_URL") ?? ""
        let parsedQueue = URL(string: queueURL)
        if queueURL.isEmpty {
            problems.append("SQS_QUEUE_URL: expected the queue's URL (QUEUE=sqs), got nothing")
        } else if parsedQueue?.host == nil || !["http", "https"].contains(parsedQueue?.scheme?.lowercased() ?? "")
            || (parsedQueue?.pathComponents.count ?? 0) < 3
        {
            problems.append(
                "SQS_QUEUE_URL: expected https://sqs.REGION.amazonaws.com/ACCOUNT/NAME, got \"\(queueURL)\"")
        }
        let region = value("SQS_REGION") ?? value("AWS_REGION") ?? regionInHost(parsedQueue?.host) ?? "us-east-1"
        if !region.utf8.allSatisfy({ ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 }) {
            problems.append("SQS_REGION: expected a region such as us-east-1, got \"\(region)\"")
        }
        var endpoint: S3Endpoint?
        if let raw = value("SQS_ENDPOINT") {
            endpoint = S3Endpoint(parsing: raw)
            if endpoint == nil {
                problems.append(
                    "SQS_ENDPOINT: expected http://host[:port] or https://host[:port] with no path, query or credentials"
                )
            }
        }
        var wait = 20
        if let raw = value("SQS_WAIT_SECONDS") {
            if let seconds = Int(raw), (0...20).contains(seconds) {
                wait = seconds
            } else {
                problems.append("SQS_WAIT_SECONDS: expected whole seconds from 0 to 20, got \"\(raw)\"")
            }
        }
        let key = value("AWS_ACCESS_KEY_ID") ?? ""
        let secret = value("AWS_SECRET_ACCESS_KEY") ?? ""
        if key.isEmpty { problems.append("AWS_ACCESS_KEY_ID: expected the access key ID (QUEUE=sqs), got nothing") }
        if secret.isEmpty {
            problems.append("AWS_SECRET_ACCESS_KEY: expected the secret access key (QUEUE=sqs), got nothing")
        }
        guard problems.isEmpty else {
            return .failure(SQSError(code: "InvalidConfiguration", message: problems.joined(separator: "\n")))
        }
        return .success(
            SQSConfiguration(
                queueURL: queueURL, region: region, endpoint: endpoint,
                credentials: SigV4Credentials(
                    accessKeyID: key, secretAccessKey: secret, sessionToken: value("AWS_SESSION_TOKEN")),
                waitSeconds: wait))
    }

    /// `us-east-1` from `sqs.us-east-1.amazonaws.com`.
    static func regionInHost(_ host: String?) -> String? {
        guard let host, host.hasPrefix("sqs."), host.hasSuffix(".amazonaws.com") else { return nil }
        let parts = host.split(separator: ".")
        return parts.count >= 4 ? String(parts[1]) : nil
    }

    /// For `app check`: the queue, endpoint and key ID; the secret masked.
    public var description: String {
        let key = credentials.accessKeyID
        return "sqs(queue: \(queueURL), region: \(region), endpoint: \(endpoint.scheme)://\(endpoint.authority), "
            + "accessKeyID: \(key.count > 4 ? String(key.prefix(4)) + "…" : "****"), secretAccessKey: ****, "
            + "wait: \(waitSeconds)s)"
    }
}
