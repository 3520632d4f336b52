/// Reads the IHDR chunk that must directly follow the PNG signature.
enum PNGHeaderParser {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Signature (8) + chunk length and type (8) + IHDR payload (13) + CRC (4).
    private static let headerLength = 33

    /// Parses `bytes` (which already start with the signature); see ``ImageProbe/probe(_:isComplete:)``.
    static func parse(_ bytes: [UInt8], isComplete: Bool) -> ProbeResult {
        guard bytes.count >= headerLength else {
            return isComplete ? .malformed("The PNG file ends before its image header.") : .needMoreData
        }
        func uint32(_ offset: Int) -> Int {
            Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8
                | Int(bytes[offset + 3])
        }
        guard uint32(8) == 13, bytes[12..<16].elementsEqual("IHDR".utf8) else {
            return .malformed("The PNG file does not start with an image header.")
        }
        let width = uint32(16)
        let height = uint32(20)
        let bitDepth = bytes[24]
        let colorType = bytes[25]
        guard width > 0, height > 0, width <= Int(Int32.max), height <= Int(Int32.max) else {
            return .malformed("The PNG header has an invalid width or height.")
        }
        let validDepths: [UInt8]
        switch colorType {
        case 0: validDepths = [1, 2, 4, 8, 16]
        case 3: validDepths = [1, 2, 4, 8]
        case 2, 4, 6: validDepths = [8, 16]
        default: return .malformed("The PNG header has an invalid colour type.")
        }
        guard validDepths.contains(bitDepth) else {
            return .malformed("The PNG header has an invalid bit depth.")
        }
        guard bytes[26] == 0, bytes[27] == 0, bytes[28] <= 1 else {
            return .malformed("The PNG header has an invalid compression, filter or interlace method.")
        }
        guard CRC32.checksum(bytes[12..<29]) == UInt32(truncatingIfNeeded: uint32(29)) else {
            return .malformed("The PNG image header is damaged (checksum mismatch).")
        }
        return .image(ImageHeader(format: .png, width: width, height: height))
    }
}
