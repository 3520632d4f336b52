import HTTPTypes
import Hummingbird
import Synchronization

/// Gives every request an id: the client's `X-Request-ID` when it is sane (1–128 letters, digits, `-`, `_`, `.`),
/// otherwise a fresh UUID-shaped one from ``RequestIDGenerator``. The id goes back in the response header and into
/// the logger metadata (`request.id`) of everything the request logs, so one request's lines can be found together.
struct RequestIDMiddleware<Context: RequestContext>: RouterMiddleware {
    let generator: RequestIDGenerator

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let id = generator.id(for: request.headers)
        var context = context
        context.logger[metadataKey: "request.id"] = .string(id)
        var response = try await next(request, context)
        response.headers[RequestIDGenerator.headerName] = id
        return response
    }
}

/// Request ids shaped like UUIDs (8-4-4-4-12 lowercase hex): 64 random bits drawn once per server, then a counter,
/// so they are unique across servers without a system call for fresh randomness on every request.
final class RequestIDGenerator: Sendable {
    private let prefix: UInt64
    private let counter: Atomic<UInt64>

    init() {
        prefix = UInt64.random(in: .min ... .max)
        counter = Atomic(UInt64.random(in: .min ... .max))
    }

    static var headerName: HTTPField.Name { HTTPField.Name("X-Request-ID")! }

    /// The id of a request with these headers: the client's when it is sane, otherwise a new one.
    func id(for headers: HTTPFields) -> String {
        headers[Self.headerName].flatMap(Self.sanitized) ?? next()
    }

    /// The id when it is short and made of safe characters only; nil otherwise (a new one is made).
    static func sanitized(_ value: String) -> String? {
        guard (1...128).contains(value.utf8.count) else { return nil }
        let safe = value.utf8.allSatisfy { byte in
            (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte) || byte == 45
                || byte == 95 || byte == 46
        }
        return safe ? value : nil
    }

    func next() -> String {
        let sequence = counter.wrappingAdd(1, ordering: .relaxed).oldValue
        return Self.format(prefix, sequence)
    }

    /// `high` and `low` as 32 hex digits with dashes after digits 8, 12, 16 and 20.
    static func format(_ high: UInt64, _ low: UInt64) -> String {
        String(unsafeUninitializedCapacity: 36) { buffer in
            var position = 0
            for digit in 0..<32 {
                if digit == 8 || digit == 12 || digit == 16 || digit == 20 {
                    buffer[position] = UInt8(ascii: "-")
                    position += 1
                }
                let word = digit < 16 ? high : low
                let nibble = UInt8(truncatingIfNeeded: word >> UInt64(60 - 4 * (digit % 16))) & 0x0F
                buffer[position] = nibble < 10 ? 48 + nibble : 87 + nibble
                position += 1
            }
            return position
        }
    }
}
