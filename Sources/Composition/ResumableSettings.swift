import Foundation

/// The settings of resumable (tus) uploads.
package struct ResumableSettings: Sendable {
    /// `TUS_MAX_CHUNK_BYTES`: the largest body of one PATCH.
    package var maxChunkBytes: Int
    /// `TUS_THRESHOLD`: the page sends files from this size up as resumable uploads.
    package var browserThreshold: Int
    /// `UPLOAD_EXPIRY_HOURS`, in seconds: an unfinished upload expires this long after its last chunk.
    package var expiry: TimeInterval
}

extension SettingReader {
    package mutating func resumableSettings(_ settings: Settings) -> ResumableSettings {
        let chunk = byteCount(settings.server?.tusMaxChunkBytes, "TUS_MAX_CHUNK_BYTES", default: 8 * 1024 * 1024)
        if chunk < 5 * 1024 * 1024 {
            // S3 parts but the last must hold 5 MiB; a smaller chunk only grows the tail kept in the database.
            problems.append("TUS_MAX_CHUNK_BYTES: expected at least 5MiB (5242880), S3's smallest part; got '\(chunk)'")
        }
        let threshold = byteCount(settings.server?.tusThreshold, "TUS_THRESHOLD", default: 8_000_000)
        let hours =
            parse(settings.server?.uploadExpiryHours, "UPLOAD_EXPIRY_HOURS", default: "24") { text -> Double in
                guard let value = Double(text.trimmingCharacters(in: .whitespaces)), value > 0, value <= 8760 else {
                    throw Problem("expected a number of hours above 0 and at most 8760 (fractions allowed)")
                }
                return value
            } ?? 24
        return ResumableSettings(maxChunkBytes: chunk, browserThreshold: threshold, expiry: hours * 3600)
    }
}
