/// Outcome of sniffing a (possibly partial) file with ``ImageProbe``.
public enum ProbeResult: Sendable, Equatable {
    /// The prefix is too short to decide.
    case needMoreData
    /// No accepted format's signature (JPEG, PNG, HEIF/AVIF `ftyp`, WebP).
    case notAnImage
    case image(ImageHeader)
    /// Right signature, broken header; the string is a short human sentence.
    case malformed(String)
}
