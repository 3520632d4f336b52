import Imaging

/// What inspection found in a file's bytes: the content hash, the size and the image header.
public struct InspectedFile: Sendable {
    /// SHA-256 of the bytes, lowercase hex.
    public var hash: String
    public var bytes: Int
    public var header: ImageHeader
}
