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
}
