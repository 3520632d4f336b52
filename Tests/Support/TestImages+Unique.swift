extension TestImages {
    /// `jpeg(width:height:)` with a comment segment naming `tag`, so every tag gives different bytes (a different
    /// content hash, a new photo) with the same pixels.
    public static func uniqueJPEG(width: Int, height: Int, tag: String) throws -> [UInt8] {
        let base = try jpeg(width: width, height: height)
        return Array(base[0..<2]) + segment(marker: 0xFE, payload: Array("memories test \(tag)".utf8))
            + Array(base[2...])
    }
}
