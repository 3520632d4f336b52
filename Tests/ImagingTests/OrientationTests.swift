import Testing

@testable import Imaging

/// EXIF orientation end to end: synthetic JPEGs whose stored pixels only look right once rotated/mirrored.
struct OrientationTests {
    /// Visual (correctly displayed) size of the reference image.
    static let visualWidth = 96
    static let visualHeight = 64

    /// Checks that each quadrant's centre has the reference colour.
    static func expectQuadrants(
        _ image: PixelBuffer, tolerance: Int = 40, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        for (right, bottom) in [(false, false), (true, false), (false, true), (true, true)] {
            let x = right ? image.width * 3 / 4 : image.width / 4
            let y = bottom ? image.height * 3 / 4 : image.height / 4
            let expected = Fixtures.quadrantColor(right: right, bottom: bottom)
            let actual = Array(image.pixel(x: x, y: y))
            let close = zip(actual, [expected.r, expected.g, expected.b]).allSatisfy {
                abs(Int($0) - Int($1)) <= tolerance
            }
            #expect(
                close, "quadrant right=\(right) bottom=\(bottom): got \(actual), want \(expected)",
                sourceLocation: sourceLocation)
        }
    }

    @Test("Orientation is applied after resizing (display + thumbnail, with DCT scaling)", arguments: 1...8)
    func orientationWithResize(orientation: Int) throws {
        let visual = Fixtures.quadrants(width: Self.visualWidth, height: Self.visualHeight)
        let stored = Fixtures.stored(visual, orientation: orientation)
        let exif = Fixtures.exifSegment(orientation: orientation, bigEndian: orientation.isMultiple(of: 2))
        let file = try Fixtures.jpeg(stored, progressive: orientation > 4, segments: [exif])

        let options = PipelineOptions(displaySize: 48, thumbnailSize: 24)
        let result = try ImagePipeline.makeDerivatives(from: file, options: options)

        #expect(result.header.orientation == orientation)
        #expect(result.header.width == stored.width && result.header.height == stored.height)
        #expect(result.header.orientedWidth == Self.visualWidth && result.header.orientedHeight == Self.visualHeight)
        #expect(result.display.format == .jpeg)
        #expect((result.display.width, result.display.height) == (48, 32))
        #expect((result.thumbnail.width, result.thumbnail.height) == (24, 16))

        let display = try Fixtures.decode(result.display)
        #expect((display.width, display.height) == (48, 32))
        Self.expectQuadrants(display)
        Self.expectQuadrants(try Fixtures.decode(result.thumbnail))
    }

    @Test("Orientation without resizing (image smaller than the display box)", arguments: 1...8)
    func orientationWithoutResize(orientation: Int) throws {
        let visual = Fixtures.quadrants(width: Self.visualWidth, height: Self.visualHeight)
        let stored = Fixtures.stored(visual, orientation: orientation)
        let exif = Fixtures.exifSegment(orientation: orientation, bigEndian: !orientation.isMultiple(of: 2))
        let result = try ImagePipeline.makeDerivatives(
            from: try Fixtures.jpeg(stored, segments: [exif]), options: PipelineOptions())
        let display = try Fixtures.decode(result.display)
        #expect((display.width, display.height) == (Self.visualWidth, Self.visualHeight))
        Self.expectQuadrants(display, tolerance: 30)
    }

    @Test("applyingOrientation maps every pixel like the EXIF definition", arguments: 1...8)
    func orientationTable(orientation: Int) {
        // Distinct values, odd sizes so that off-by-one errors cannot hide; 21×13 and 24×16 also cover the
        // one-channel 8×8 blocks and the rows and columns left over beside them, then 2-4 channels.
        for (width, height) in [(5, 3), (21, 13), (24, 16), (8, 1), (1, 9)] {
            for channels in 1...4 {
                let count = width * height * channels
                let visual = PixelBuffer(
                    width: width, height: height, channels: channels,
                    pixels: (0..<count).map { UInt8(truncatingIfNeeded: $0 * 7 + $0 / 251) })
                let stored = Fixtures.stored(visual, orientation: orientation)
                #expect(stored.applyingOrientation(orientation) == visual, "\(width)x\(height)x\(channels)")
            }
        }
    }

    @Test("Out-of-range orientation values are ignored")
    func invalidOrientation() throws {
        let image = Fixtures.quadrants(width: 32, height: 16)
        for value in [0, 9, 255] {
            let file = try Fixtures.jpeg(image, segments: [Fixtures.exifSegment(orientation: value)])
            guard case .image(let header) = ImageProbe.probe(file, isComplete: true) else {
                Issue.record("probe failed for orientation \(value)")
                continue
            }
            #expect(header.orientation == 1)
        }
    }
}
