import Foundation
import Testing

@testable import Imaging
@testable import MemoriesTestSupport

/// The encoder against the reference implementation: the vectors are what evanw/thumbhash's js/thumbhash.js
/// (commit a652ce6) gives for these synthetic images (`rgbaToThumbHash` run by node), byte for byte.
@Suite("ThumbHash")
struct ThumbHashTests {
    static func image(_ width: Int, _ height: Int, _ pixel: (Int, Int) -> [Int]) -> [UInt8] {
        var rgba: [UInt8] = []
        for y in 0..<height {
            for x in 0..<width { rgba += pixel(x, y).map { UInt8($0 & 255) } }
        }
        return rgba
    }

    static let vectors: [(name: String, width: Int, height: Int, pixel: @Sendable (Int, Int) -> [Int], hash: String)] =
        [
            (
                "quadrants", 100, 75,
                { x, y in
                    x < 50
                        ? (y < 37 ? [220, 30, 30, 255] : [30, 30, 220, 255])
                        : (y < 37 ? [30, 200, 30, 255] : [230, 230, 40, 255])
                },
                "WwkKfZyBiobAZ4eHeKiGeIDL+IiM"
            ),
            (
                "pattern", 64, 100, { x, y in [(x * 37 + y * 11) ^ (x * y), (x * x + y * 3), 255 - x * 2 - y, 255] },
                "oQcGNAJ/2HdnZnh4h4hwcue9+w=="
            ),
            (
                "alpha", 80, 80, { x, y in [(x * 3) & 255, 128, (y * 3) & 255, x < 40 ? 255 : (y * 3) & 255] },
                "XceJRRA7YHdwh3l3h3avBmaJj3WjeId4eA=="
            ),
            ("solid", 1, 1, { _, _ in [10, 20, 30, 255] }, "hecJJwQI9wiIh4hwj3CI+AiIcH/494cP"),
        ]

    @Test("matches the reference encoder", arguments: 0..<4)
    func referenceVector(_ index: Int) {
        let vector = Self.vectors[index]
        let hash = ThumbHash.encode(
            width: vector.width, height: vector.height, rgba: Self.image(vector.width, vector.height, vector.pixel))
        #expect(Data(hash).base64EncodedString() == vector.hash, "\(vector.name)")
    }

    @Test("a pipeline run stores the thumbnail's hash, about 25 bytes")
    func pipelinePlaceholder() throws {
        let derivatives = try ImagePipeline.makeDerivatives(
            from: try TestImages.jpeg(width: 640, height: 480), options: PipelineOptions())
        let placeholder = try #require(derivatives.placeholder)
        #expect((20...30).contains(placeholder.count))
        // Landscape with no alpha: header bit 15 of the second word set, bit 23 of the first clear.
        #expect(placeholder[4] & 0x80 != 0)
        #expect(placeholder[2] & 0x80 == 0)
    }
}
