/// 8-bit samples someone else owns (a decoder's image, or a ``PixelBuffer``'s storage): `height` rows of
/// `width` × `channels` samples, `stride` bytes apart. Valid only inside the call that lends it.
struct BorrowedPixels {
    let base: UnsafePointer<UInt8>
    let width: Int
    let height: Int
    let channels: Int
    let stride: Int

    /// The samples copied, row by row, into a packed buffer of their own.
    func copied() -> PixelBuffer {
        let row = width * channels
        let pixels = [UInt8](unsafeUninitializedCapacity: row * height) { storage, initialized in
            for y in 0..<height {
                (storage.baseAddress! + y * row).update(from: base + y * stride, count: row)
            }
            initialized = row * height
        }
        return PixelBuffer(width: width, height: height, channels: channels, pixels: pixels)
    }
}

extension PixelBuffer {
    /// Lends the buffer's samples for the length of `body`.
    func withBorrowedPixels<T>(_ body: (BorrowedPixels) throws -> T) rethrows -> T {
        try pixels.withUnsafeBufferPointer { storage in
            try body(
                BorrowedPixels(
                    base: storage.baseAddress!, width: width, height: height, channels: channels,
                    stride: width * channels))
        }
    }
}
