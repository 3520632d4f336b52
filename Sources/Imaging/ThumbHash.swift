import Foundation

/// ThumbHash (Evan Wallace, MIT licence; https://github.com/evanw/thumbhash): a ~25-byte DCT sketch of an image
/// that the page paints while the thumbnail loads. A port of the reference JavaScript encoder, in doubles as
/// JavaScript computes, so the bytes match it exactly (Tests/ImagingTests/ThumbHashTests.swift).
public enum ThumbHash {
    /// The largest side the encoder takes; larger images gain nothing and cost time.
    static let maxSide = 100

    /// The ThumbHash of straight-alpha RGBA pixels at most 100×100.
    static func encode(width w: Int, height h: Int, rgba: [UInt8]) -> [UInt8] {
        precondition(w > 0 && h > 0 && w <= maxSide && h <= maxSide && rgba.count == w * h * 4)
        let count = w * h
        var averageR = 0.0
        var averageG = 0.0
        var averageB = 0.0
        var averageA = 0.0
        for i in 0..<count {
            let alpha = Double(rgba[i * 4 + 3]) / 255
            averageR += alpha / 255 * Double(rgba[i * 4])
            averageG += alpha / 255 * Double(rgba[i * 4 + 1])
            averageB += alpha / 255 * Double(rgba[i * 4 + 2])
            averageA += alpha
        }
        if averageA > 0 {
            averageR /= averageA
            averageG /= averageA
            averageB /= averageA
        }
        let hasAlpha = averageA < Double(count)
        let limit = hasAlpha ? 5 : 7  // Fewer luminance terms when alpha needs the room.
        let longest = Double(max(w, h))
        let lx = max(1, Int(round(Double(limit * w) / longest)))
        let ly = max(1, Int(round(Double(limit * h) / longest)))
        var l = [Double](repeating: 0, count: count)
        var p = [Double](repeating: 0, count: count)
        var q = [Double](repeating: 0, count: count)
        var a = [Double](repeating: 0, count: count)
        for i in 0..<count {
            let alpha = Double(rgba[i * 4 + 3]) / 255
            let r = averageR * (1 - alpha) + alpha / 255 * Double(rgba[i * 4])
            let g = averageG * (1 - alpha) + alpha / 255 * Double(rgba[i * 4 + 1])
            let b = averageB * (1 - alpha) + alpha / 255 * Double(rgba[i * 4 + 2])
            l[i] = (r + g + b) / 3
            p[i] = (r + g) / 2 - b
            q[i] = r - g
            a[i] = alpha
        }
        let luma = channel(l, nx: max(3, lx), ny: max(3, ly), w: w, h: h)
        let yellowBlue = channel(p, nx: 3, ny: 3, w: w, h: h)
        let redGreen = channel(q, nx: 3, ny: 3, w: w, h: h)
        let alphaTerms = hasAlpha ? channel(a, nx: 5, ny: 5, w: w, h: h) : nil

        let isLandscape = w > h
        let header24 =
            round(63 * luma.dc) | round(31.5 + 31.5 * yellowBlue.dc) << 6 | round(31.5 + 31.5 * redGreen.dc) << 12
            | round(31 * luma.scale) << 18 | (hasAlpha ? 1 : 0) << 23
        let header16 =
            (isLandscape ? ly : lx) | round(63 * yellowBlue.scale) << 3 | round(63 * redGreen.scale) << 9
            | (isLandscape ? 1 : 0) << 15
        var hash = [
            UInt8(header24 & 255), UInt8((header24 >> 8) & 255), UInt8(header24 >> 16), UInt8(header16 & 255),
            UInt8(header16 >> 8),
        ]
        if let alphaTerms { hash.append(UInt8(round(15 * alphaTerms.dc) | round(15 * alphaTerms.scale) << 4)) }
        let start = hash.count
        var index = 0
        for terms in [luma.ac, yellowBlue.ac, redGreen.ac, alphaTerms?.ac ?? []] {
            for factor in terms {
                let slot = start + (index >> 1)
                if slot >= hash.count { hash.append(0) }
                hash[slot] |= UInt8(round(15 * factor) << ((index & 1) << 2))
                index += 1
            }
        }
        return hash
    }

    /// JavaScript's Math.round (halves up) as an integer; the values here are never negative.
    private static func round(_ value: Double) -> Int { Int((value + 0.5).rounded(.down)) }

    /// The DC term, the AC terms normalised to 0...1, and their scale, of one channel.
    private static func channel(_ values: [Double], nx: Int, ny: Int, w: Int, h: Int) -> (
        dc: Double, ac: [Double], scale: Double
    ) {
        var dc = 0.0
        var ac: [Double] = []
        var scale = 0.0
        var fx = [Double](repeating: 0, count: w)
        for cy in 0..<ny {
            var cx = 0
            while cx * ny < nx * (ny - cy) {
                var f = 0.0
                for x in 0..<w { fx[x] = cos(Double.pi / Double(w) * Double(cx) * (Double(x) + 0.5)) }
                for y in 0..<h {
                    let fy = cos(Double.pi / Double(h) * Double(cy) * (Double(y) + 0.5))
                    for x in 0..<w { f += values[x + y * w] * fx[x] * fy }
                }
                f /= Double(w * h)
                if cx > 0 || cy > 0 {
                    ac.append(f)
                    scale = max(scale, abs(f))
                } else {
                    dc = f
                }
                cx += 1
            }
        }
        if scale > 0 { ac = ac.map { 0.5 + 0.5 / scale * $0 } }
        return (dc, ac, scale)
    }

    /// The ThumbHash of a thumbnail: shrunk to fit 100×100 with the pipeline's resampler, as straight RGBA.
    static func encode(thumbnail: PixelBuffer) -> [UInt8] {
        let size = ImageGeometry.fit(width: thumbnail.width, height: thumbnail.height, inside: maxSide)
        var small = thumbnail
        if size.width != thumbnail.width || size.height != thumbnail.height {
            // The thumbnail is premultiplied when it has alpha (see ImagePipeline), so resampling is safe.
            small = LanczosResampler.resize(thumbnail, width: size.width, height: size.height)
        }
        if small.hasAlphaChannel { small = small.unpremultiplied() }
        return encode(width: small.width, height: small.height, rgba: small.rgba())
    }
}

extension PixelBuffer {
    /// The pixels as RGBA (gray expanded, opaque alpha added).
    func rgba() -> [UInt8] {
        let count = width * height
        var out = [UInt8](repeating: 255, count: count * 4)
        for i in 0..<count {
            switch channels {
            case 1:
                out[i * 4] = pixels[i]
                out[i * 4 + 1] = pixels[i]
                out[i * 4 + 2] = pixels[i]
            case 2:
                out[i * 4] = pixels[i * 2]
                out[i * 4 + 1] = pixels[i * 2]
                out[i * 4 + 2] = pixels[i * 2]
                out[i * 4 + 3] = pixels[i * 2 + 1]
            case 3:
                out[i * 4] = pixels[i * 3]
                out[i * 4 + 1] = pixels[i * 3 + 1]
                out[i * 4 + 2] = pixels[i * 3 + 2]
            default:
                out[i * 4..<(i * 4 + 4)] = pixels[i * 4..<(i * 4 + 4)]
            }
        }
        return out
    }
}
