import Crypto
import Foundation
import Hummingbird
import Imaging
import Ingest
import NIOCore
import Storage

/// Streams a `multipart/form-data` body: each `file` part goes to a temporary file while its SHA-256 is computed
/// and its header probed; limits are enforced as bytes arrive. Nothing is held whole in memory.
/// On any error every temporary file it made is removed before the error is thrown.
struct MultipartUploadReader {
    let maxBytes: Int
    let maxPixels: Int
    let temporaryDirectory: String

    /// Text fields beside the files (`album`, `csrf_token`) are small; a larger one is not from our forms.
    static let maxFieldBytes = 1024
    static let maxFields = 20
    /// Parts in one body (files and fields); a form of ours sends a few, a script a few hundred photos at most.
    static let maxParts = 500
    /// Bytes of one part's headers; ours are a few hundred.
    static let maxPartHeaderBytes = 8 * 1024

    /// Reads the whole body: the files in the order they came and the form's small text fields.
    func readForm(_ body: RequestBody, contentType: String?) async throws -> UploadForm {
        let type = HeaderParameters(contentType ?? "")
        guard type.value == "multipart/form-data", let boundary = type.parameters["boundary"], !boundary.isEmpty else {
            throw APIError.badRequest("Send the photos as multipart/form-data with one or more parts named \"file\".")
        }
        var state = ReaderState(reader: self)
        do {
            let parser = FormDataParser(boundary: boundary)
            let events = EventBuffer()
            parser.onHeader = { name, value in events.items.append(.header(name, value)) }
            // The parser keeps a part's headers until they end, so bytes that bring no event are counted:
            // a part whose headers run past the limit is refused before they can fill memory.
            var quietBytes = 0
            parser.onBody = { buffer in events.items.append(.body(buffer)) }
            parser.onPartComplete = { events.items.append(.partComplete) }
            var total = 0
            var chunks = body.makeAsyncIterator()
            while true {
                let next: ByteBuffer?
                do {
                    next = try await chunks.next()
                } catch {
                    // The client went away or was cut off (a body read timeout) before the body was complete.
                    throw APIError.badRequest("The upload was cut off before the body was complete; nothing was saved.")
                }
                guard let chunk = next else { break }
                total += chunk.readableBytes
                guard total <= maxBytes else { throw Self.tooManyBytes(maxBytes) }
                do {
                    try parser.execute(chunk)
                } catch {
                    throw APIError.badRequest("The multipart body is malformed.")
                }
                quietBytes = events.items.isEmpty ? quietBytes + chunk.readableBytes : 0
                if quietBytes > Self.maxPartHeaderBytes + Self.maxQuietChunkSlack {
                    throw Self.partHeadersTooLarge
                }
                for event in events.items { try state.handle(event) }
                events.items.removeAll(keepingCapacity: true)
            }
            guard state.sawClosingPart, !state.inPart else {
                throw APIError.badRequest("The multipart body ended before its last part was complete.")
            }
            guard !state.files.isEmpty else {
                throw APIError.badRequest(
                    "No photo was sent: choose one or more JPEG, PNG, HEIC, AVIF or WebP files (form field \"file\").")
            }
            return UploadForm(files: state.files, fields: state.fields)
        } catch {
            state.discardAll()
            throw error
        }
    }

    /// Body bytes may arrive in one chunk without an event (the parser holds a boundary's worth); allow a chunk.
    static let maxQuietChunkSlack = 64 * 1024

    static var partHeadersTooLarge: APIError {
        .badRequest(
            "A part's headers are larger than \(Formatting.bytes(maxPartHeaderBytes)); the body is not a form of ours.")
    }

    static func tooManyBytes(_ limit: Int) -> APIError {
        .tooLarge("The upload is larger than the limit of \(Formatting.bytes(limit)).")
    }
}

/// Collects the parser's synchronous callbacks so they can be handled after each chunk.
private final class EventBuffer {
    enum Event {
        case header(String, String)
        case body(ByteBuffer)
        case partComplete
    }

    var items: [Event] = []
}

/// The state of one upload as its parts stream by.
private struct ReaderState {
    let reader: MultipartUploadReader
    var files: [UploadedFile] = []
    var fields: [String: String] = [:]
    /// The text field being read: its name and bytes so far.
    var field: (name: String, bytes: [UInt8])?
    var headers: [String: String] = [:]
    var current: OpenFile?
    var inPart = false
    var sawClosingPart = false
    var partCount = 0
    /// Header bytes of the part being read.
    var headerBytes = 0

    init(reader: MultipartUploadReader) {
        self.reader = reader
    }

    /// One file part being written.
    struct OpenFile {
        var path: String
        var descriptor: Int32
        var inspector: UploadInspector
        var name: String
    }

    mutating func handle(_ event: EventBuffer.Event) throws {
        switch event {
        case .header(let name, let value):
            if !inPart {
                partCount += 1
                headerBytes = 0
                guard partCount <= MultipartUploadReader.maxParts else {
                    throw APIError.badRequest("The form has more than \(MultipartUploadReader.maxParts) parts.")
                }
            }
            headerBytes += name.utf8.count + value.utf8.count + 4
            guard headerBytes <= MultipartUploadReader.maxPartHeaderBytes else {
                throw MultipartUploadReader.partHeadersTooLarge
            }
            inPart = true
            headers[name.lowercased()] = value
        case .body(var buffer):
            inPart = true
            try startFileIfNeeded()
            guard current != nil else {
                try appendField(buffer)
                return
            }
            try buffer.withUnsafeReadableBytes { bytes in try append(bytes) }
            buffer.moveReaderIndex(to: buffer.writerIndex)
        case .partComplete:
            try startFileIfNeeded()
            try finishPart()
            finishField()
            headers = [:]
            inPart = false
            sawClosingPart = true
        }
    }

    /// Collects a small text field's bytes (any part not named `file`).
    private mutating func appendField(_ buffer: ByteBuffer) throws {
        if field == nil, let disposition = headers["content-disposition"],
            let name = HeaderParameters(disposition).parameters["name"]
        {
            guard fields.count < MultipartUploadReader.maxFields else {
                throw APIError.badRequest("The form has too many fields.")
            }
            field = (name, [])
            headers["content-disposition"] = nil
        }
        guard var open = field else { return }
        open.bytes.append(contentsOf: buffer.readableBytesView)
        guard open.bytes.count <= MultipartUploadReader.maxFieldBytes else {
            throw APIError.badRequest("The form field \u{201C}\(open.name)\u{201D} is too long.")
        }
        field = open
    }

    private mutating func finishField() {
        if current == nil, field == nil, let disposition = headers["content-disposition"],
            let name = HeaderParameters(disposition).parameters["name"], name != "file"
        {
            fields[name] = fields[name] ?? ""  // an empty field sends no body bytes
        }
        if let open = field, fields[open.name] == nil {
            fields[open.name] = String(decoding: open.bytes, as: UTF8.self)
        }
        field = nil
    }

    /// Opens a temporary file when the part just started is a `file` part.
    private mutating func startFileIfNeeded() throws {
        guard current == nil, let disposition = headers["content-disposition"] else { return }
        let parameters = HeaderParameters(disposition)
        guard parameters.parameters["name"] == "file" else { return }
        let path = reader.temporaryDirectory + "/upload-" + UUID().uuidString + ".part"
        do {
            let descriptor = try POSIXFile.createExclusive(path)
            let name = parameters.fileName ?? ""
            current = OpenFile(
                path: path, descriptor: descriptor,
                inspector: UploadInspector(maxPixels: reader.maxPixels, fileName: name),
                name: name)
        } catch let error as POSIXFile.Failure where error.isOutOfSpace {
            throw APIError.insufficientStorage()
        } catch {
            throw APIError.unavailable("The server cannot write uploads right now; try again shortly.")
        }
        headers["content-disposition"] = nil
    }

    private mutating func append(_ bytes: UnsafeRawBufferPointer) throws {
        guard var file = current else { return }
        defer { current = file }
        do {
            try POSIXFile.writeAll(file.descriptor, bytes)
        } catch let error as POSIXFile.Failure {
            if error.isOutOfSpace { throw APIError.insufficientStorage() }
            throw APIError.unavailable("The server cannot write uploads right now.")
        }
        try file.inspector.update(bytes)
    }

    private mutating func finishPart() throws {
        guard var file = current else { return }
        current = nil
        POSIXFile.closeQuietly(file.descriptor)
        file.descriptor = -1
        if file.inspector.bytes == 0 {
            // A form submitted with no file chosen sends an empty part: not an error by itself.
            POSIXFile.removeIfPresent(file.path)
            return
        }
        let inspected: InspectedFile
        do {
            inspected = try file.inspector.finish()
        } catch {
            POSIXFile.removeIfPresent(file.path)
            throw error
        }
        files.append(
            UploadedFile(
                temporaryPath: file.path, inspected: inspected,
                originalName: file.name.isEmpty ? "photo.\(inspected.header.format.fileExtension)" : file.name))
    }

    /// Removes every temporary file this upload made (after an error).
    mutating func discardAll() {
        if let file = current {
            POSIXFile.closeQuietly(file.descriptor)
            POSIXFile.removeIfPresent(file.path)
            current = nil
        }
        for file in files { POSIXFile.removeIfPresent(file.temporaryPath) }
        files = []
    }
}
