/// Sniffs the format and header of a file from its first bytes, never decoding pixels.
public enum ImageProbe {
    /// Reads the type and header from the first bytes of a file, never decoding pixels. The upload handler calls it
    /// repeatedly with a growing prefix (up to 512 KB) while the body streams in; `isComplete` is true when the prefix is the whole file.
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
        return .notAnImage
    }
}
