/// A tightly packed 8-bit image: 1 = gray, 2 = gray+alpha, 3 = RGB, 4 = RGBA (straight, not premultiplied, alpha).
struct PixelBuffer: Sendable, Equatable {
    var width: Int
    var height: Int
    var channels: Int
    var pixels: [UInt8]

    init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0 && (1...4).contains(channels))
        precondition(pixels.count == width * height * channels)
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    var hasAlphaChannel: Bool { channels == 2 || channels == 4 }

    /// The samples of pixel (x, y), for tests and diagnostics.
    func pixel(x: Int, y: Int) -> ArraySlice<UInt8> {
        let start = (y * width + x) * channels
        return pixels[start..<(start + channels)]
    }

    /// True when some alpha sample is below 255.
    var hasTransparency: Bool {
        guard hasAlphaChannel else { return false }
        return pixels.withUnsafeBufferPointer { samples in
            var index = channels - 1
            while index < samples.count {
                if samples[index] != 255 { return true }
                index += channels
            }
            return false
        }
    }

    /// The same image without its alpha channel (gray+alpha → gray, RGBA → RGB).
    func droppingAlpha() -> PixelBuffer {
        guard hasAlphaChannel else { return self }
        let outChannels = channels - 1
        let count = width * height
        let stripped = [UInt8](unsafeUninitializedCapacity: count * outChannels) { out, initialized in
            pixels.withUnsafeBufferPointer { src in
                for index in 0..<count {
                    for channel in 0..<outChannels {
                        out[index * outChannels + channel] = src[index * channels + channel]
                    }
                }
            }
            initialized = count * outChannels
        }
        return PixelBuffer(width: width, height: height, channels: outChannels, pixels: stripped)
    }

    /// Colour samples multiplied by alpha, so that resampling does not bleed the colour of invisible pixels.
    func premultiplied() -> PixelBuffer {
        guard hasAlphaChannel else { return self }
        var copy = self
        let alphaIndex = channels - 1
        copy.pixels.withUnsafeMutableBufferPointer { samples in
            var base = 0
            while base < samples.count {
                let alpha = UInt32(samples[base + alphaIndex])
                if alpha != 255 {
                    for channel in 0..<alphaIndex {
                        samples[base + channel] = UInt8((UInt32(samples[base + channel]) * alpha + 127) / 255)
                    }
                }
                base += channels
            }
        }
        return copy
    }

    /// Inverse of ``premultiplied()``; fully transparent pixels become transparent black.
    func unpremultiplied() -> PixelBuffer {
        guard hasAlphaChannel else { return self }
        var copy = self
        let alphaIndex = channels - 1
        copy.pixels.withUnsafeMutableBufferPointer { samples in
            var base = 0
            while base < samples.count {
                let alpha = UInt32(samples[base + alphaIndex])
                if alpha == 0 {
                    for channel in 0..<alphaIndex { samples[base + channel] = 0 }
                } else if alpha != 255 {
                    for channel in 0..<alphaIndex {
                        let value = (UInt32(samples[base + channel]) * 255 + alpha / 2) / alpha
                        samples[base + channel] = UInt8(min(value, 255))
                    }
                }
                base += channels
            }
        }
        return copy
    }
}
