import Imaging

/// What a file's first bytes say it is, for `app import`'s walk: an image the pipeline takes, a known photo or
/// video format it does not take (named, so the summary can say what was skipped), or not an image at all.
public enum SniffedFile: Sendable, Equatable {
    case image
    case unsupported(String)
    case notAnImage
}

/// Sniffs files by their first bytes, never their names.
public enum FileSniffer {
    /// How many bytes `classify` wants: enough for every signature it knows.
    public static let headBytes = 64

    /// The kind of file whose first bytes are `head`. What the header probe (the same one uploads use) does not
    /// refuse outright is an image (a broken one then fails its import with the probe's reason); the rest is matched against the signatures of formats people keep beside their
    /// photos.
    public static func classify(_ head: [UInt8]) -> SniffedFile {
        // A head shorter than asked for is the whole file.
        guard case .notAnImage = ImageProbe.probe(head, isComplete: head.count < headBytes) else { return .image }
        func starts(_ bytes: [UInt8], at offset: Int = 0) -> Bool {
            head.count >= offset + bytes.count && Array(head[offset..<offset + bytes.count]) == bytes
        }
        func ascii(_ text: String, at offset: Int = 0) -> Bool { starts(Array(text.utf8), at: offset) }
        if ascii("ftyp", at: 4), head.count >= 12 {
            let brand = String(decoding: head[8..<12], as: UTF8.self)
            switch brand {
            case "heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1": return .unsupported("HEIC/HEIF")
            case "avif", "avis": return .unsupported("AVIF")
            case "crx ": return .unsupported("camera raw")
            default: return .unsupported("video")
            }
        }
        if ascii("RIFF"), ascii("WEBP", at: 8) { return .unsupported("WebP") }
        if ascii("RIFF"), ascii("AVI ", at: 8) { return .unsupported("video") }
        if ascii("GIF87a") || ascii("GIF89a") { return .unsupported("GIF") }
        if starts([0x49, 0x49, 0x2A, 0x00]) || starts([0x4D, 0x4D, 0x00, 0x2A]) {
            return .unsupported("TIFF or camera raw")
        }
        if ascii("BM"), starts([0, 0, 0, 0], at: 6) { return .unsupported("BMP") }
        if ascii("8BPS") { return .unsupported("Photoshop") }
        if starts([0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20]) || starts([0xFF, 0x4F, 0xFF, 0x51]) {
            return .unsupported("JPEG 2000")
        }
        if starts([0xFF, 0x0A]) || starts([0x00, 0x00, 0x00, 0x0C, 0x4A, 0x58, 0x4C, 0x20]) {
            return .unsupported("JPEG XL")
        }
        if starts([0x1A, 0x45, 0xDF, 0xA3]) { return .unsupported("video") }
        if ascii("%PDF") { return .unsupported("PDF") }
        return .notAnImage
    }
}
