import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// One S3 call before signing: what to do to which object, with which extra query items, headers and body.
struct S3Request: Sendable {
    /// The body, described so that a retry can send it again (a file is re-read, never buffered).
    enum Body: Sendable {
        case empty
        case bytes([UInt8])
        case file(FileRegion)
    }

    var method: HTTPMethod
    /// The object key path (`original/<hash>.jpg`), or nil for a bucket-level call.
    var keyPath: String?
    var query: [SigV4Signer.Field]
    var headers: [SigV4Signer.Field]
    var body: Body
    var payloadHash: String

    init(
        method: HTTPMethod, keyPath: String?, query: [SigV4Signer.Field] = [], headers: [SigV4Signer.Field] = [],
        body: Body = .empty, payloadHash: String? = nil
    ) {
        self.method = method
        self.keyPath = keyPath
        self.query = query
        self.headers = headers
        self.body = body
        switch body {
        case .empty: self.payloadHash = payloadHash ?? SigV4Signer.emptyPayloadHash
        case .bytes(let bytes): self.payloadHash = payloadHash ?? SigV4Signer.hexSHA256(bytes)
        case .file: self.payloadHash = payloadHash ?? SigV4Signer.unsignedPayload
        }
    }
}

/// A finished S3 answer with its (small) body collected.
struct S3Response: Sendable {
    var status: HTTPResponseStatus
    var headers: HTTPHeaders
    var body: ByteBuffer

    var text: String { String(buffer: body) }
    var isSuccess: Bool { (200..<300).contains(status.code) }
}

/// A failure worth retrying: a 5xx answer (including 503 SlowDown) or a connection that failed or dropped.
enum S3TransientFailure: Error, Sendable {
    case status(S3Response)
    case connection(any Error)
}

extension S3Store {
    /// Largest response body kept in memory: error documents and listings, never object data.
    static let maximumResponseBody = 4 * 1024 * 1024

    /// Sends `request` with retries and returns the final answer, whatever its status; 5xx after the last attempt
    /// and unreachable endpoints become `.unavailable`.
    func execute(_ request: S3Request, operation: String) async throws -> S3Response {
        try await withRetries(operation) {
            let response = try await send(request)
            let body: ByteBuffer
            do {
                body = try await response.body.collect(upTo: Self.maximumResponseBody)
            } catch {
                throw classify(error)
            }
            let answer = S3Response(status: response.status, headers: response.headers, body: body)
            if answer.status.code >= 500 { throw S3TransientFailure.status(answer) }
            return answer
        }
    }

    /// Streams an object into a new file at `path`, retrying from scratch if the connection drops midway.
    func download(_ key: MediaKey, to path: String) async throws {
        let request = S3Request(method: .GET, keyPath: key.path)
        try await withRetries("GetObject") {
            let response = try await send(request)
            guard (200..<300).contains(response.status.code) else {
                let body: ByteBuffer
                do { body = try await response.body.collect(upTo: Self.maximumResponseBody) } catch {
                    throw classify(error)
                }
                let answer = S3Response(status: response.status, headers: response.headers, body: body)
                if answer.status.code >= 500 { throw S3TransientFailure.status(answer) }
                throw failure(answer, operation: "GetObject", keyPath: key.path)
            }
            try await writeBody(response.body, to: path)
        }
    }

    /// Copies a response body to a file in 1 MiB writes on the thread pool; O_TRUNC so a retry starts clean.
    private func writeBody(_ body: HTTPClientResponse.Body, to path: String) async throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw StorageError(
                .unavailable, "cannot create a temp file for the download",
                underlying: POSIXFile.Failure(operation: "open", code: errno))
        }
        defer { POSIXFile.closeQuietly(fd) }
        var pending = ByteBufferAllocator().buffer(capacity: FileRegion.chunkSize)
        let pool = threadPool
        func flush(_ buffer: ByteBuffer) async throws {
            do {
                try await pool.runIfActive { try buffer.withUnsafeReadableBytes { try POSIXFile.writeAll(fd, $0) } }
            } catch let error as POSIXFile.Failure {
                throw StorageError(
                    .unavailable, error.isOutOfSpace ? "the temp disk is full" : "cannot write the download (\(error))",
                    underlying: error)
            }
        }
        do {
            for try await var chunk in body {
                pending.writeBuffer(&chunk)
                if pending.readableBytes >= FileRegion.chunkSize {
                    try await flush(pending)
                    pending.clear()
                }
            }
        } catch let error as StorageError {
            throw error
        } catch {
            throw classify(error)
        }
        if pending.readableBytes > 0 { try await flush(pending) }
    }

    /// Runs `attempt` up to `maxAttempts` times while it fails transiently, backing off with full jitter between tries.
    func withRetries<T: Sendable>(_ operation: String, _ attempt: () async throws -> T) async throws -> T {
        var number = 1
        while true {
            do {
                return try await attempt()
            } catch let failure as S3TransientFailure {
                guard number < retryPolicy.maxAttempts, !Task.isCancelled else {
                    throw finalError(failure, operation: operation, attempts: number)
                }
                let delay = retryPolicy.delay(afterAttempt: number)
                logger.warning(
                    "s3 request failed, retrying",
                    metadata: [
                        "s3.operation": "\(operation)", "s3.attempt": "\(number)", "s3.reason": "\(describe(failure))",
                    ]
                )
                try await Task.sleep(for: delay)
                number += 1
            }
        }
    }

    /// One signed attempt, signed at send time so a retry never reuses a stale `X-Amz-Date`.
    func send(_ request: S3Request) async throws -> HTTPClientResponse {
        let prepared = prepare(request, date: now())
        do {
            return try await httpClient.execute(
                prepared, timeout: .seconds(Int64(configuration.requestTimeout)), logger: logger)
        } catch {
            throw classify(error)
        }
    }

    /// Builds the signed HTTP request: URL for the addressing style, `Host`, the caller's headers, the SigV4 headers.
    func prepare(_ request: S3Request, date: Date) -> HTTPClientRequest {
        let (authority, path) = location(ofKeyPath: request.keyPath)
        let headers = [SigV4Signer.Field("Host", authority)] + request.headers
        let signature = signer.signHeaders(
            SigV4Signer.Request(
                method: request.method.rawValue, path: path, query: request.query, headers: headers,
                payloadHash: request.payloadHash),
            date: date)
        var url = "\(endpoint.scheme)://\(authority)\(SigV4Signer.encodedPath(path))"
        if !request.query.isEmpty {
            url +=
                "?"
                + request.query.map { item in
                    let name = SigV4Signer.encodeQueryComponent(item.name)
                    return item.value.isEmpty ? name : name + "=" + SigV4Signer.encodeQueryComponent(item.value)
                }.joined(separator: "&")
        }
        var http = HTTPClientRequest(url: url)
        http.method = request.method
        for field in headers + signature.headers { http.headers.add(name: field.name, value: field.value) }
        switch request.body {
        case .empty:
            // S3 wants Content-Length: 0 on bodiless POST/PUT (CreateMultipartUpload, CreateBucket), not chunked.
            if request.method == .PUT || request.method == .POST { http.body = .bytes(ByteBuffer()) }
        case .bytes(let bytes): http.body = .bytes(bytes)
        case .file(let region):
            http.body = .stream(region.chunks(threadPool: threadPool), length: .known(Int64(region.length)))
        }
        return http
    }

    /// Sorts a thrown error: cancellation and our own errors pass through, file-read errors become storage errors,
    /// everything else from the HTTP client counts as a connection problem worth retrying.
    func classify(_ error: any Error) -> any Error {
        switch error {
        case is CancellationError, is StorageError, is S3TransientFailure: return error
        case let error as HTTPClientError where error == .cancelled: return CancellationError()
        case let error as POSIXFile.Failure:
            return StorageError(.unavailable, "cannot read the file to upload (\(error))", underlying: error)
        default: return S3TransientFailure.connection(error)
        }
    }

    /// Throws the mapped error when `response` is not a 2xx answer.
    func check(_ response: S3Response, operation: String, keyPath: String? = nil) throws {
        guard response.isSuccess else { throw failure(response, operation: operation, keyPath: keyPath) }
    }

    /// The error reported once retries are exhausted.
    private func finalError(_ failure: S3TransientFailure, operation: String, attempts: Int) -> StorageError {
        switch failure {
        case .status(let response):
            var error = self.failure(response, operation: operation, keyPath: nil)
            error.message += " (after \(attempts) attempt\(attempts == 1 ? "" : "s"))"
            return error
        case .connection(let underlying):
            return StorageError(
                .unavailable,
                "cannot reach the object store at \(endpoint.scheme)://\(endpoint.authority) for \(operation) after "
                    + "\(attempts) attempt\(attempts == 1 ? "" : "s") (\(Self.shortReason(underlying)))",
                underlying: underlying)
        }
    }

    private func describe(_ failure: S3TransientFailure) -> String {
        switch failure {
        case .status(let response): return "\(response.status.code) \(S3XML.value(of: "Code", in: response.text) ?? "")"
        case .connection(let error): return Self.shortReason(error)
        }
    }

    /// A bounded, single-line reason for logs and messages (the error texts carry addresses, never secrets).
    static func shortReason(_ error: any Error) -> String {
        let text = String(describing: error).replacingOccurrences(of: "\n", with: " ")
        return text.count > 200 ? String(text.prefix(200)) + "…" : text
    }
}
