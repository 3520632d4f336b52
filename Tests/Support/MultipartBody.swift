import NIOCore

/// A multipart/form-data body as the browser form sends it, for upload tests.
public struct MultipartBody: Sendable {
    public struct Part: Sendable {
        public var name: String
        public var fileName: String?
        public var contentType: String?
        public var bytes: [UInt8]

        public init(name: String, fileName: String?, contentType: String?, bytes: [UInt8]) {
            self.name = name
            self.fileName = fileName
            self.contentType = contentType
            self.bytes = bytes
        }
    }

    public var parts: [Part]
    public var boundary = "----MemoriesTestBoundary7MA4YWxkTrZu0gW"

    public init(parts: [Part]) {
        self.parts = parts
    }

    public static func files(_ files: [(String, [UInt8])]) -> MultipartBody {
        MultipartBody(
            parts: files.map {
                Part(name: "file", fileName: $0.0, contentType: "application/octet-stream", bytes: $0.1)
            })
    }

    public var contentType: String { "multipart/form-data; boundary=\(boundary)" }

    public var buffer: ByteBuffer {
        var out = ByteBuffer()
        for part in parts {
            out.writeString("--\(boundary)\r\n")
            var disposition = "Content-Disposition: form-data; name=\"\(part.name)\""
            if let fileName = part.fileName { disposition += "; filename=\"\(fileName)\"" }
            out.writeString(disposition + "\r\n")
            if let type = part.contentType { out.writeString("Content-Type: \(type)\r\n") }
            out.writeString("\r\n")
            out.writeBytes(part.bytes)
            out.writeString("\r\n")
        }
        out.writeString("--\(boundary)--\r\n")
        return out
    }
}
