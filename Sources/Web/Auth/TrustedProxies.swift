import Foundation
import NIOCore

/// The proxies whose `X-Forwarded-For` is believed (`TRUSTED_PROXIES`): IPv4 and IPv6 addresses and CIDR ranges.
public struct TrustedProxies: Sendable, Equatable {
    /// One address range: the network's bytes (4 or 16) and its prefix length.
    struct Range: Sendable, Equatable {
        var network: [UInt8]
        var prefix: Int

        func contains(_ address: [UInt8]) -> Bool {
            guard address.count == network.count else { return false }
            var bits = prefix
            for index in network.indices where bits > 0 {
                let mask: UInt8 = bits >= 8 ? 0xFF : ~(0xFF >> UInt8(bits))
                if address[index] & mask != network[index] & mask { return false }
                bits -= 8
            }
            return true
        }
    }

    var ranges: [Range]
    /// The setting as given, for `app check`.
    public private(set) var text = ""

    public static let none = TrustedProxies(ranges: [])

    init(ranges: [Range]) { self.ranges = ranges }

    /// Parses `10.0.0.1, 192.168.0.0/16, ::1, fd00::/8`; empty text trusts nobody. Throws a readable message.
    public init(parsing text: String) throws {
        var ranges: [Range] = []
        for item in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
            let parts = item.split(separator: "/", maxSplits: 1).map(String.init)
            guard let bytes = Self.bytes(of: parts[0]) else {
                throw TrustedProxiesError(
                    "expected IP addresses or CIDR ranges separated by commas; '\(item)' is not one")
            }
            var prefix = bytes.count * 8
            if parts.count == 2 {
                guard let value = Int(parts[1]), (0...bytes.count * 8).contains(value) else {
                    throw TrustedProxiesError("expected a prefix length from 0 to \(bytes.count * 8) in '\(item)'")
                }
                prefix = value
            }
            ranges.append(Range(network: bytes, prefix: prefix))
        }
        self.ranges = ranges
        self.text = ranges.isEmpty ? "" : text
    }

    public func contains(_ address: String) -> Bool {
        guard let bytes = Self.bytes(of: address) else { return false }
        return ranges.contains { $0.contains(bytes) }
    }

    /// The client's address: the peer, unless the peer is a trusted proxy; then the right-most address in
    /// `X-Forwarded-For` that is not itself trusted (the left ones could be forged by the client).
    public func clientAddress(peer: String?, forwardedFor: [String]) -> String {
        guard let peer else { return "unknown" }
        guard contains(peer) else { return peer }
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        for hop in hops.reversed() where !hop.isEmpty {
            guard Self.bytes(of: hop) != nil else { return peer }  // garbage from somewhere: trust only what we saw
            if !contains(hop) { return hop }
        }
        return hops.first(where: { !$0.isEmpty }) ?? peer
    }

    /// The bytes of an IPv4 or IPv6 address in text, or nil.
    static func bytes(of text: String) -> [UInt8]? {
        var text = text
        if text.hasPrefix("["), text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
        guard let address = try? SocketAddress(ipAddress: text, port: 0) else { return nil }
        switch address {
        case .v4(let v4): return withUnsafeBytes(of: v4.address.sin_addr) { Array($0) }
        case .v6(let v6):
            let bytes = withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
            // An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is that IPv4 address.
            if bytes.prefix(10).allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF {
                return Array(bytes.suffix(4))
            }
            return bytes
        default: return nil
        }
    }
}

/// A `TRUSTED_PROXIES` value that does not parse.
public struct TrustedProxiesError: Error, Sendable, CustomStringConvertible {
    public var message: String
    init(_ message: String) { self.message = message }
    public var description: String { message }
}
