/// Sniffs the format and header of a file from its first bytes, never decoding pixels.
public enum ImageProbe {
    /// How far into a file the parsers look for metadata (a HEIF's EXIF item, a WebP's trailing EXIF chunk): beyond
    /// it they give the size without the capture date rather than ask for more. The upload inspector buffers this
    /// much at most.
    public static let metadataReach = 4 * 1024 * 1024

    /// Reads the type and header from the first bytes of a file, never decoding pixels. The upload handler calls it
    /// repeatedly with a growing prefix (up to ``metadataReach``) while the body streams in; `isComplete` is true
    /// when the prefix is the whole file.
    public static func probe(_ prefix: [UInt8], isComplete: Bool) -> ProbeResult {
        for (signature, parse) in [
            (JPEGHeaderParser.signature, JPEGHeaderParser.parse),
            (PNGHeaderParser.signature, PNGHeaderParser.parse),
        ] as [([UInt8], ([UInt8], Bool) -> ProbeResult)] {
            if prefix.starts(with: signature) {
                return parse(prefix, isComplete)
            }
            if !isComplete, prefix.count < signature.count, signature.starts(with: prefix) {
                return .needMoreData
            }
        }
        switch WebPHeaderParser.matches(prefix) {
        case .some(true): return WebPHeaderParser.parse(prefix, isComplete: isComplete)
        case .none where !isComplete: return .needMoreData
        default: break
        }
        if let format = HEIFHeaderParser.sniff(prefix) {
            return HEIFHeaderParser.parse(prefix, isComplete: isComplete, format: format)
        }
        // An ISO box header whose `ftyp` brands have not all arrived yet.
        if !isComplete, prefix.count < 12 || (prefix[4..<8].elementsEqual("ftyp".utf8) && prefix.count < 4096) {
            return .needMoreData
        }
        return .notAnImage
    }

    /// Bytes ``format(ofFileStart:)`` wants: enough for a HEIF `ftyp` box with its compatible brands.
    public static let signatureBytes = 64

    /// The format a file's first bytes announce (by signature and `ftyp` brands only, no header parsed).
    public static func format(ofFileStart head: [UInt8]) -> ImageFormat? {
        if head.starts(with: JPEGHeaderParser.signature) { return .jpeg }
        if head.starts(with: PNGHeaderParser.signature) { return .png }
        if WebPHeaderParser.matches(head) == true { return .webp }
        // The `ftyp` box may be longer than the bytes read: the brands that arrived decide.
        return HEIFHeaderParser.sniff(head, allowPartial: true)
    }
}
