/// Outcome of sniffing a (possibly partial) file with ``ImageProbe``.
public enum ProbeResult: Sendable, Equatable {
    /// The prefix is too short to decide.
    case needMoreData
    /// Neither a JPEG nor a PNG signature.
    case notAnImage
    case image(ImageHeader)
    /// Right signature, broken header; the string is a short human sentence.
    case malformed(String)
}
