/// Walks JPEG marker segments up to the frame header (SOFn) without touching entropy-coded data.
enum JPEGHeaderParser {
    static let signature: [UInt8] = [0xFF, 0xD8, 0xFF]

    /// Parses `bytes` (which already start with the signature); see ``ImageProbe/probe(_:isComplete:)``.
    static func parse(_ bytes: [UInt8], isComplete: Bool) -> ProbeResult {
        let truncated: ProbeResult =
            isComplete
            ? .malformed("The JPEG file ends before its image header.")
            : .needMoreData
        var exif: ExifMetadata?
        var position = 2
        while true {
            // Markers may be preceded by any number of 0xFF fill bytes.
            guard position < bytes.count else { return truncated }
            guard bytes[position] == 0xFF else {
                return .malformed("The JPEG file has garbage where a marker should be.")
            }
            while position < bytes.count, bytes[position] == 0xFF { position += 1 }
            guard position < bytes.count else { return truncated }
            let marker = bytes[position]
            position += 1

            switch marker {
            case 0x01, 0xD0...0xD7:
                continue  // Stand-alone markers without a length.
            case 0x00:
                return .malformed("The JPEG file has garbage where a marker should be.")
            case 0xD8:
                return .malformed("The JPEG file has a second start-of-image marker in its header.")
            case 0xD9:
                return .malformed("The JPEG file ends before its image header.")
            case 0xDA:
                return .malformed("The JPEG file has image data before its frame header.")
            default:
                break
            }

            guard position + 2 <= bytes.count else { return truncated }
            let length = Int(bytes[position]) << 8 | Int(bytes[position + 1])
            guard length >= 2 else { return .malformed("The JPEG file has an invalid segment length.") }
            let payloadStart = position + 2
            let segmentEnd = position + length

            if isStartOfFrame(marker) {
                guard length >= 8 else { return .malformed("The JPEG frame header is too short.") }
                guard payloadStart + 6 <= bytes.count else { return truncated }
                let height = Int(bytes[payloadStart + 1]) << 8 | Int(bytes[payloadStart + 2])
                let width = Int(bytes[payloadStart + 3]) << 8 | Int(bytes[payloadStart + 4])
                let components = Int(bytes[payloadStart + 5])
                guard width > 0, height > 0 else {
                    return .malformed("The JPEG frame header has a zero width or height.")
                }
                guard [1, 3, 4].contains(components) else {
                    return .malformed("The JPEG file has an unsupported number of colour components.")
                }
                guard marker != 0xC3, marker != 0xC7, marker != 0xCB, marker != 0xCF else {
                    return .malformed("Lossless JPEG files are not supported.")
                }
                return .image(
                    ImageHeader(
                        format: .jpeg, width: width, height: height,
                        orientation: exif?.orientation ?? 1, captureDate: exif?.captureDate,
                        captureOffset: exif?.captureOffset, cameraMake: exif?.cameraMake, cameraModel: exif?.cameraModel
                    ))
            }

            if marker == 0xE1, exif == nil {
                // Only an "Exif\0\0" APP1 carries EXIF; XMP also lives in APP1 and is skipped.
                guard segmentEnd <= bytes.count else { return truncated }
                let payload = bytes[payloadStart..<segmentEnd]
                if payload.starts(with: [0x45, 0x78, 0x69, 0x66, 0x00, 0x00]) {
                    exif = ExifMetadata(tiff: payload.dropFirst(6))
                }
            }
            position = segmentEnd
        }
    }

    /// SOF0...SOF15 except DHT (C4), JPG (C8) and DAC (CC), which share the range.
    static func isStartOfFrame(_ marker: UInt8) -> Bool {
        (0xC0...0xCF).contains(marker) && marker != 0xC4 && marker != 0xC8 && marker != 0xCC
    }
}
