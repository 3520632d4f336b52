import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Storage

/// Why an SQS call failed: AWS's error code (`AWS.SimpleQueueService.NonExistentQueue`, `InvalidClientTokenId`,
/// `SignatureDoesNotMatch`), a message, and whether trying again later can help (the service down or throttling).
public struct SQSError: Error, Sendable, CustomStringConvertible {
    public var code: String
    public var message: String
    /// A dropped connection, a timeout, a 5xx or throttling: the outbox keeps the job and the relay tries again.
    public var isTransient: Bool

    public init(code: String, message: String, isTransient: Bool = false) {
        self.code = code
        self.message = message
        self.isTransient = isTransient
    }

    public var description: String { message }
}

/// A small client for the SQS calls the queue makes, in the AWS JSON protocol (`X-Amz-Target: AmazonSQS.Action`,
/// `application/x-amz-json-1.0`), signed with the storage module's SigV4 signer.
public struct SQSClient: Sendable {
    let configuration: SQSConfiguration
    let httpClient: HTTPClient
    let signer: SigV4Signer
    let logger: Logger

    public init(configuration: SQSConfiguration, httpClient: HTTPClient, logger: Logger) {
        self.configuration = configuration
        self.httpClient = httpClient
        self.signer = SigV4Signer(credentials: configuration.credentials, region: configuration.region, service: "sqs")
        self.logger = logger
    }

    /// Calls `action` with a JSON object body and returns the answer's JSON object; throws `SQSError`.
    /// `extraWait` lengthens the deadline for a long poll.
    func call(_ action: String, _ body: [String: Any], extraWait: Int = 0) async throws -> [String: Any] {
        let payload: [UInt8]
        do {
            payload = Array(try JSONSerialization.data(withJSONObject: body))
        } catch {
            throw SQSError(code: "InvalidRequest", message: "could not encode \(action): \(error)")
        }
        let endpoint = configuration.endpoint
        let headers = [
            SigV4Signer.Field("Host", endpoint.authority),
            SigV4Signer.Field("Content-Type", "application/x-amz-json-1.0"),
            SigV4Signer.Field("X-Amz-Target", "AmazonSQS.\(action)"),
        ]
        let signature = signer.signHeaders(
            SigV4Signer.Request(
                method: "POST", path: "/", headers: headers, payloadHash: SigV4Signer.hexSHA256(payload)),
            date: Date(), normalizePath: true, contentSHA256Header: false)
        var request = HTTPClientRequest(url: "\(endpoint.scheme)://\(endpoint.authority)/")
        request.method = .POST
        for field in headers + signature.headers { request.headers.add(name: field.name, value: field.value) }
        request.body = .bytes(payload)
        let status: HTTPResponseStatus
        let bytes: ByteBuffer
        do {
            let response = try await httpClient.execute(
                request, timeout: .seconds(Int64(configuration.requestTimeout + extraWait)), logger: logger)
            status = response.status
            bytes = try await response.body.collect(upTo: 4 * 1024 * 1024)
        } catch {
            throw SQSError(
                code: "Unreachable",
                message: "SQS at \(endpoint.scheme)://\(endpoint.authority) did not answer (\(error))",
                isTransient: true)
        }
        let text = String(buffer: bytes)
        guard (200..<300).contains(status.code) else {
            throw Self.error(status: status.code, body: text, action: action)
        }
        if text.isEmpty { return [:] }
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw SQSError(code: "InvalidResponse", message: "\(action) answered something other than JSON")
        }
        return object
    }

    /// An error answer in JSON (`__type`, `message`) or, as some servers still send, XML (`<Code>`, `<Message>`).
    static func error(status: UInt, body: String, action: String) -> SQSError {
        var code = "HTTP\(status)"
        var message = String(body.prefix(300))
        if let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] {
            if let type = object["__type"] as? String { code = String(type.split(separator: "#").last ?? "") }
            message = (object["message"] as? String) ?? (object["Message"] as? String) ?? message
        } else if let start = body.range(of: "<Code>"), let end = body.range(of: "</Code>") {
            code = String(body[start.upperBound..<end.lowerBound])
            if let from = body.range(of: "<Message>"), let to = body.range(of: "</Message>") {
                message = String(body[from.upperBound..<to.lowerBound])
            }
        }
        let throttled = code.contains("Throttl") || code == "RequestThrottled" || code == "ServiceUnavailable"
        return SQSError(
            code: code, message: "\(action) failed (\(code)): \(message)", isTransient: status >= 500 || throttled)
    }

    // MARK: Calls

    /// The queue's attributes (`All`): proves the queue exists and the credentials work.
    public func attributes(of queueURL: String) async throws -> [String: String] {
        let answer = try await call("GetQueueAttributes", ["QueueUrl": queueURL, "AttributeNames": ["All"]])
        return answer["Attributes"] as? [String: String] ?? [:]
    }

    /// The URL of a queue by name (the dead-letter queue named by a redrive policy's ARN).
    public func queueURL(named name: String, owner: String?) async throws -> String {
        var body: [String: Any] = ["QueueName": name]
        if let owner { body["QueueOwnerAWSAccountId"] = owner }
        guard let url = try await call("GetQueueUrl", body)["QueueUrl"] as? String else {
            throw SQSError(code: "InvalidResponse", message: "GetQueueUrl answered no QueueUrl")
        }
        return url
    }

    /// Creates a queue (tests, and `app jobs` has no need): returns its URL.
    public func createQueue(named name: String, attributes: [String: String] = [:]) async throws -> String {
        guard
            let url = try await call("CreateQueue", ["QueueName": name, "Attributes": attributes])["QueueUrl"]
                as? String
        else { throw SQSError(code: "InvalidResponse", message: "CreateQueue answered no QueueUrl") }
        return url
    }

    public func setAttributes(_ attributes: [String: String], of queueURL: String) async throws {
        _ = try await call("SetQueueAttributes", ["QueueUrl": queueURL, "Attributes": attributes])
    }

    /// Sends up to 10 bodies in one `SendMessageBatch`; returns the ids (the caller's) that SQS accepted.
    /// `traceparents` (by entry id) go as each message's `traceparent` attribute, so the worker's spans join the
    /// trace that enqueued the job.
    public func sendBatch(
        _ entries: [(id: String, body: String)], to queueURL: String, traceparents: [String: String] = [:]
    ) async throws -> Set<String> {
        guard !entries.isEmpty else { return [] }
        let answer = try await call(
            "SendMessageBatch",
            [
                "QueueUrl": queueURL,
                "Entries": entries.map { entry -> [String: Any] in
                    var message: [String: Any] = ["Id": entry.id, "MessageBody": entry.body]
                    if let traceparent = traceparents[entry.id] {
                        message["MessageAttributes"] = [
                            JobTrace.attribute: ["DataType": "String", "StringValue": traceparent]
                        ]
                    }
                    return message
                },
            ])
        let accepted = (answer["Successful"] as? [[String: Any]] ?? []).compactMap { $0["Id"] as? String }
        for failed in answer["Failed"] as? [[String: Any]] ?? [] {
            logger.warning(
                "SQS refused a message",
                metadata: ["sqs.code": "\(failed["Code"] ?? "?")", "job.id": "\(failed["Id"] ?? "?")"])
        }
        return Set(accepted)
    }

    /// One message: its body, receipt handle and how many times it was received (this time included), and the
    /// `traceparent` attribute it was sent with.
    public struct Message: Sendable {
        public var body: String
        public var receiptHandle: String
        public var receiveCount: Int
        public var traceparent: String?
    }

    /// Long-polls for up to `limit` (≤ 10) messages, hiding them for `visibility` seconds.
    public func receive(from queueURL: String, limit: Int, visibility: Int, wait: Int) async throws -> [Message] {
        let answer = try await call(
            "ReceiveMessage",
            [
                "QueueUrl": queueURL, "MaxNumberOfMessages": max(1, min(limit, 10)), "VisibilityTimeout": visibility,
                "WaitTimeSeconds": wait, "AttributeNames": ["ApproximateReceiveCount"],
                "MessageSystemAttributeNames": ["ApproximateReceiveCount"],
                "MessageAttributeNames": [JobTrace.attribute],
            ], extraWait: wait)
        return (answer["Messages"] as? [[String: Any]] ?? []).compactMap { message in
            guard let body = message["Body"] as? String, let receipt = message["ReceiptHandle"] as? String else {
                return nil
            }
            let attributes = message["Attributes"] as? [String: String] ?? [:]
            let messageAttributes = message["MessageAttributes"] as? [String: [String: Any]] ?? [:]
            return Message(
                body: body, receiptHandle: receipt, receiveCount: Int(attributes["ApproximateReceiveCount"] ?? "") ?? 1,
                traceparent: messageAttributes[JobTrace.attribute]?["StringValue"] as? String)
        }
    }

    /// Deletes up to 10 messages by receipt handle in one `DeleteMessageBatch`.
    public func deleteBatch(_ receipts: [String], from queueURL: String) async throws {
        guard !receipts.isEmpty else { return }
        _ = try await call(
            "DeleteMessageBatch",
            [
                "QueueUrl": queueURL,
                "Entries": receipts.enumerated().map { ["Id": "m\($0.offset)", "ReceiptHandle": $0.element] },
            ])
    }

    /// Hides (or shows, with 0) up to 10 messages for `seconds` more: the heartbeat and a retry's backoff.
    public func changeVisibility(_ receipts: [String], seconds: Int, in queueURL: String) async throws {
        guard !receipts.isEmpty else { return }
        _ = try await call(
            "ChangeMessageVisibilityBatch",
            [
                "QueueUrl": queueURL,
                "Entries": receipts.enumerated().map {
                    ["Id": "m\($0.offset)", "ReceiptHandle": $0.element, "VisibilityTimeout": seconds]
                },
            ])
    }
}
