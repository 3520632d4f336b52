// Adapted from multipart-kit 4.7.1's `MultipartParser` (MIT License, Copyright (c) 2018 Qutheory, LLC): the
// original crashes on a header name byte >= 0x80 (`isFormDataHeaderNameCharacter` fixes it), and `parseBody` hands
// over whole runs of body bytes instead of stopping at every CR.

import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

/// Streams `multipart/form-data`: headers, body chunks and part ends through callbacks, never holding a body.
final class FormDataParser {
    private enum Error: Swift.Error { case syntax }
    private enum CRLF { case cr, lf }

    private enum HeaderState {
        case preHeaders(CRLF = .cr)
        case headerName([UInt8] = [])
        case headerValue([UInt8] = [], name: [UInt8])
        case postHeaderValue([UInt8], name: [UInt8])
        case postHeaders
    }

    private enum State {
        case preamble(boundaryMatchIndex: Int = 0)
        case headers(state: HeaderState = .preHeaders())
        case body
        case boundary(boundaryMatchIndex: Int = 0)
        case epilogue
    }

    var onHeader: (String, String) -> Void
    var onBody: (inout ByteBuffer) -> Void
    var onPartComplete: () -> Void

    private let boundary: [UInt8]
    private let boundaryLength: Int
    private var state: State
    private var buffer: ByteBuffer!

    /// `boundary` must not be empty (RFC 1341 also caps it at 70 characters; not checked).
    init(boundary: String) {
        precondition(!boundary.isEmpty)
        self.onHeader = { _, _ in }
        self.onBody = { _ in }
        self.onPartComplete = {}
        self.boundary = Array("\r\n--\(boundary)".utf8)
        self.boundaryLength = self.boundary.count
        self.state = .preamble()
    }

    func execute(_ buffer: ByteBuffer) throws {
        self.buffer = buffer
        defer { self.buffer = nil }
        try execute()
    }

    private func execute() throws {
        while buffer.readableBytes > 0 {
            switch state {
            case .preamble(let boundaryMatchIndex): state = parsePreamble(boundaryMatchIndex: boundaryMatchIndex)
            case .headers(let headerState): state = try parseHeaders(headerState: headerState)
            case .body: state = parseBody()
            case .boundary(let boundaryMatchIndex): state = try parseBoundary(boundaryMatchIndex: boundaryMatchIndex)
            case .epilogue:
                // ignore any data in epilogue
                return
            }
        }
    }

    private func readByte() -> UInt8? { buffer.readInteger() }

    private func parsePreamble(boundaryMatchIndex: Int) -> State {
        var boundaryMatchIndex = boundaryMatchIndex
        while boundaryMatchIndex < boundaryLength, let byte = readByte() {
            // allow skipping the initial CRLF
            if boundaryMatchIndex == 0, byte == boundary[2] {
                boundaryMatchIndex = 3
                // (continues to) match boundary: move on to next index
            } else if byte == boundary[boundaryMatchIndex] {
                boundaryMatchIndex = boundaryMatchIndex + 1
                // stopped matching boundary but matches with start of boundary: restart at 1
            } else if boundaryMatchIndex > 0, byte == boundary[0] {
                boundaryMatchIndex = 1
                // no match at either current position or start of boundary: restart at 0
            } else {
                boundaryMatchIndex = 0
            }
        }
        return boundaryMatchIndex >= boundaryLength ? .headers() : .preamble(boundaryMatchIndex: boundaryMatchIndex)
    }

    private func parseCRLF(_ crlf: CRLF) throws -> CRLF? {
        var crlf = crlf
        while let byte = readByte() {
            switch (crlf, byte) {
            case (.cr, .cr): crlf = .lf
            case (.lf, .lf): return nil
            default: throw Error.syntax
            }
        }
        return crlf
    }

    private func parseHeaders(headerState: HeaderState) throws -> State {
        var headerState = headerState
        while buffer.readableBytes > 0 {
            switch headerState {
            case .preHeaders(let crlf): headerState = try parseCRLF(crlf).map(HeaderState.preHeaders) ?? .headerName()
            case .headerName(let name): headerState = try parseHeaderName(name: name)
            case .headerValue(let value, let name): headerState = try parseHeaderValue(value, name: name)
            case .postHeaderValue(let value, let name):
                guard readByte() == .lf else { throw Error.syntax }
                onHeader(String(bytes: name, encoding: .utf8) ?? "", String(bytes: value, encoding: .utf8) ?? "")
                headerState = .headerName([])
            case .postHeaders:
                guard readByte() == .lf else { throw Error.syntax }
                return .body
            }
        }
        return .headers(state: headerState)
    }

    private func parseHeaderName(name: [UInt8]) throws -> HeaderState {
        var name = name
        while let byte = readByte() {
            switch byte {
            case .colon where !name.isEmpty: return .headerValue(name: name)
            case .cr where name.isEmpty: return .postHeaders
            case _ where byte.isFormDataHeaderNameCharacter: name.append(byte)
            default: throw Error.syntax
            }
        }
        return .headerName(name)
    }

    private func parseHeaderValue(_ value: [UInt8], name: [UInt8]) throws -> HeaderState {
        var value = value
        while let byte = readByte() {
            switch byte {
            case .cr: return .postHeaderValue(value, name: name)
            case .space, .tab:
                if value.isEmpty { continue }
                fallthrough
            default: value.append(byte)
            }
        }
        return .headerValue(value, name: name)
    }

    private func parseBody() -> State {
        // Body bytes run up to the first CR that starts the boundary, found with memchr/memcmp: stopping at every
        // CR, or a generic Collection search, made large uploads slow.
        let length = boundary.withUnsafeBytes { marker in
            buffer.withUnsafeReadableBytes { bytes in Self.bodyLength(bytes, boundary: marker) }
        }
        if length > 0, var slice = buffer.readSlice(length: length) {
            onBody(&slice)
        }
        return buffer.readableBytes > 0 ? .boundary() : .body
    }

    /// How many of `bytes` are body: all of them, or up to the first CR that starts the boundary (or as much of
    /// its start as `bytes` holds).
    static func bodyLength(_ bytes: UnsafeRawBufferPointer, boundary: UnsafeRawBufferPointer) -> Int {
        guard let base = bytes.baseAddress, let marker = boundary.baseAddress, bytes.count > 0 else { return 0 }
        let count = bytes.count
        let first = Int32(boundary[0])
        var from = 0
        while from < count, let hit = memchr(base + from, first, count - from) {
            let at = base.distance(to: UnsafeRawPointer(hit))
            if memcmp(base + at, marker, min(boundary.count, count - at)) == 0 { return at }
            from = at + 1
        }
        return count
    }

    private func parseBoundary(boundaryMatchIndex: Int) throws -> State {
        var boundaryMatchIndex = boundaryMatchIndex
        while true {
            guard let byte = readByte() else { return .boundary(boundaryMatchIndex: boundaryMatchIndex) }
            guard boundaryMatchIndex < boundaryLength else {
                onPartComplete()
                switch byte {
                case .cr: return .headers(state: .preHeaders(.lf))
                case .hyphen: return .epilogue
                default: throw Error.syntax
                }
            }
            guard byte == boundary[boundaryMatchIndex] else {
                var boundaryBuffer = ByteBuffer(bytes: boundary[0..<boundaryMatchIndex])
                if byte == boundary[0] {
                    onBody(&boundaryBuffer)
                    return .boundary(boundaryMatchIndex: 1)
                } else {
                    boundaryBuffer.writeInteger(byte)
                    onBody(&boundaryBuffer)
                    return .body
                }
            }
            boundaryMatchIndex += 1
        }
    }
}

extension UInt8 {
    fileprivate static let colon: UInt8 = 58
    fileprivate static let lf: UInt8 = 10
    fileprivate static let cr: UInt8 = 13
    fileprivate static let hyphen: UInt8 = 45
    fileprivate static let space: UInt8 = 9
    fileprivate static let tab: UInt8 = 32

    /// A field-name `token` byte (RFC 822 §3.2): printable ASCII except SP and the tspecials; never a byte >= 0x80.
    fileprivate var isFormDataHeaderNameCharacter: Bool {
        switch self {
        case 33...126: !Self.tspecials.contains(self)
        default: false
        }
    }

    private static let tspecials = Set("()<>@,;:\\\"/[]?={}".utf8)
}
