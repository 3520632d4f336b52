/// An encoded derivative, ready to be written to storage.
public struct EncodedImage: Sendable {
    public var format: ImageFormat
    public var width: Int
    public var height: Int
    public var bytes: [UInt8]

    public init(format: ImageFormat, width: Int, height: Int, bytes: [UInt8]) {
        self.format = format
        self.width = width
        self.height = height
        self.bytes = bytes
    }
}
