/// Size arithmetic for derivatives: fitting into a square box and choosing the JPEG DCT scale.
enum ImageGeometry {
    /// Fits `width` × `height` inside `box` × `box` keeping the aspect ratio, rounding down (min 1 px), never enlarging.
    static func fit(width: Int, height: Int, inside box: Int) -> (width: Int, height: Int) {
        precondition(width > 0 && height > 0)
        let box = max(1, box)
        let longest = max(width, height)
        guard longest > box else { return (width, height) }
        let fittedWidth = width == longest ? box : max(1, width * box / longest)
        let fittedHeight = height == longest ? box : max(1, height * box / longest)
        return (fittedWidth, fittedHeight)
    }

    /// The largest libjpeg scale denominator (8, 4, 2 or 1) whose decoded size still covers `headroom` times the
    /// target on both axes.
    ///
    /// libjpeg rounds scaled dimensions up (ceil(width / denominator)), which is mirrored here.
    static func jpegScaleDenominator(
        width: Int, height: Int, targetWidth: Int, targetHeight: Int, headroom: Double = 1
    ) -> Int {
        for denominator in [8, 4, 2] {
            let scaledWidth = Double((width + denominator - 1) / denominator)
            let scaledHeight = Double((height + denominator - 1) / denominator)
            if scaledWidth >= headroom * Double(targetWidth) && scaledHeight >= headroom * Double(targetHeight) {
                return denominator
            }
        }
        return 1
    }

    /// Decoded samples per target sample on each axis after a decode at 1/`denominator`: the exact ratio of the
    /// stored size to the target's, not of the decoded size, which libjpeg rounds up (a 2403-row photo decoded at
    /// 1/2 has 1202 rows, the last half padding; using 1202 would shift the bottom of the display by a third of a
    /// pixel, costing that photo 0.002 SSIM).
    static func decodedScale(
        width: Int, height: Int, denominator: Int, target: (width: Int, height: Int)
    ) -> (x: Double, y: Double) {
        let denominator = Double(max(1, denominator))
        return (
            Double(width) / denominator / Double(target.width), Double(height) / denominator / Double(target.height)
        )
    }
}
