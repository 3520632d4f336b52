import CImageCodecs

extension PixelBuffer {
    /// The image as it should be displayed for EXIF `orientation` (1...8; anything else is treated as 1).
    ///
    /// The mapping of each value (mirrors, 180°, and the four that swap width and height) lives in
    /// `cimg_orient`, which turns one-channel planes by 8×8 blocks in vector registers.
    func applyingOrientation(_ orientation: Int) -> PixelBuffer {
        guard (2...8).contains(orientation) else { return self }
        let outWidth = orientation >= 5 ? height : width
        let outHeight = orientation >= 5 ? width : height
        let total = outWidth * outHeight * channels
        let rotated = [UInt8](unsafeUninitializedCapacity: total) { out, initialized in
            pixels.withUnsafeBufferPointer { source in
                cimg_orient(
                    source.baseAddress, Int32(width), Int32(height), Int32(channels), Int32(orientation),
                    out.baseAddress)
            }
            initialized = total
        }
        return PixelBuffer(width: outWidth, height: outHeight, channels: channels, pixels: rotated)
    }
}
