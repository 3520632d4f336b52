extension PixelBuffer {
    /// The image as it should be displayed for EXIF `orientation` (1...8; anything else is treated as 1).
    func applyingOrientation(_ orientation: Int) -> PixelBuffer {
        guard (2...8).contains(orientation) else { return self }
        let w = width, h = height
        // Output pixel (x, y) reads source pixel index base + x * stepX + y * stepY (in pixels),
        // one row of this table per orientation, derived from the EXIF definition of rows/columns.
        let (base, stepX, stepY): (Int, Int, Int)
        switch orientation {
        case 2: (base, stepX, stepY) = (w - 1, -1, w)                 // mirror horizontally
        case 3: (base, stepX, stepY) = ((h - 1) * w + w - 1, -1, -w)  // rotate 180°
        case 4: (base, stepX, stepY) = ((h - 1) * w, 1, -w)           // mirror vertically
        case 5: (base, stepX, stepY) = (0, w, 1)                      // transpose
        case 6: (base, stepX, stepY) = ((h - 1) * w, -w, 1)           // rotate 90° clockwise
        case 7: (base, stepX, stepY) = ((h - 1) * w + w - 1, -w, -1)  // transverse
        default: (base, stepX, stepY) = (w - 1, w, -1)                // 8: rotate 90° counter-clockwise
        }
        let outWidth = orientation >= 5 ? h : w
        let outHeight = orientation >= 5 ? w : h
        let c = channels
        let total = outWidth * outHeight * c
        let rotated = [UInt8](unsafeUninitializedCapacity: total) { out, initialized in
            pixels.withUnsafeBufferPointer { src in
                if c == 1 {
                    // One plane (gray, or a YCbCr plane): one byte per pixel, no channel loop, in 64×64 tiles.
                    // When rotating, an output row walks down a source column; a tile keeps the 64 source lines
                    // it touches in cache instead of fetching a new one for every byte.
                    let tile = 64
                    for tileY in stride(from: 0, to: outHeight, by: tile) {
                        let rowsEnd = min(tileY + tile, outHeight)
                        for tileX in stride(from: 0, to: outWidth, by: tile) {
                            let columnsEnd = min(tileX + tile, outWidth)
                            for y in tileY..<rowsEnd {
                                var source = base + y * stepY + tileX * stepX
                                let row = y * outWidth
                                for x in tileX..<columnsEnd {
                                    out[row + x] = src[source]
                                    source += stepX
                                }
                            }
                        }
                    }
                    return
                }
                var destination = 0
                for y in 0..<outHeight {
                    var source = base + y * stepY
                    for _ in 0..<outWidth {
                        let s = source * c
                        for channel in 0..<c { out[destination + channel] = src[s + channel] }
                        destination += c
                        source += stepX
                    }
                }
            }
            initialized = total
        }
        return PixelBuffer(width: outWidth, height: outHeight, channels: c, pixels: rotated)
    }
}
