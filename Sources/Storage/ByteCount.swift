/// The one parser of byte sizes in settings: `1048576`, `5MB`, `5 mb`, `8MiB`, `512KiB`, `1G`. Decimal units
/// (`KB`, `MB`, `GB`, `TB`, `K`, `M`, `G`, `T`) are powers of 1000, binary ones (`KiB`, `MiB`, `GiB`, `TiB`) of 1024.
public enum ByteCount {
    /// The number of bytes, or nil unless it is a whole positive number that fits.
    public static func parse(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).uppercased()
        let units: [(String, Int)] = [
            ("TIB", 1 << 40), ("GIB", 1 << 30), ("MIB", 1 << 20), ("KIB", 1 << 10), ("TB", 1_000_000_000_000),
            ("GB", 1_000_000_000), ("MB", 1_000_000), ("KB", 1_000), ("T", 1_000_000_000_000), ("G", 1_000_000_000),
            ("M", 1_000_000), ("K", 1_000), ("B", 1),
        ]
        var multiplier = 1
        var digits = trimmed
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            multiplier = factor
            digits = String(trimmed.dropLast(suffix.count)).trimmingCharacters(in: .whitespaces)
            break
        }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(digits), value > 0
        else { return nil }
        let (bytes, overflow) = value.multipliedReportingOverflow(by: multiplier)
        return overflow ? nil : bytes
    }
}
