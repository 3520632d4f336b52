import Foundation

/// What happened to one file of an import.
enum ImportOutcome: Sendable {
    case imported
    case duplicate
    case failed(String)
}

/// Counts an import's files and bytes and shows them: a bar redrawn in place on a terminal (files, bytes, rate, time
/// left), a plain line per file otherwise. Ends with the summary.
actor ImportProgress {
    let totalFiles: Int
    let totalBytes: Int
    let isTerminal: Bool
    let started = ContinuousClock.now
    private(set) var doneFiles = 0
    private(set) var doneBytes = 0
    private(set) var imported = 0
    private(set) var duplicates = 0
    private(set) var failures: [(file: String, reason: String)] = []
    /// Files the walk left out before the import started: not images, and images in formats not taken.
    let skipped: (notImages: Int, unsupported: Int)
    private var lastDraw = ContinuousClock.now - .seconds(1)

    init(totalFiles: Int, totalBytes: Int, isTerminal: Bool, skipped: (notImages: Int, unsupported: Int) = (0, 0)) {
        self.totalFiles = totalFiles
        self.totalBytes = totalBytes
        self.isTerminal = isTerminal
        self.skipped = skipped
    }

    /// Bytes of a file in progress went out (a tus chunk).
    func sent(_ bytes: Int) {
        doneBytes += bytes
        draw(force: false)
    }

    /// A file is finished; `unsentBytes` are its bytes not yet counted by `sent` (all of them for a duplicate).
    func finished(_ file: String, bytes: Int, unsentBytes: Int, outcome: ImportOutcome) {
        doneFiles += 1
        doneBytes += unsentBytes
        switch outcome {
        case .imported: imported += 1
        case .duplicate: duplicates += 1
        case .failed(let reason): failures.append((file, reason))
        }
        if isTerminal {
            if case .failed(let reason) = outcome { line("failed \(file): \(reason)") }
            draw(force: true)
        } else {
            switch outcome {
            case .imported: Console.line("imported \(file) (\(Self.megabytes(bytes)))")
            case .duplicate: Console.line("skipped \(file): already there")
            case .failed(let reason): Console.line("failed \(file): \(reason)")
            }
        }
    }

    /// The closing lines; returns whether anything failed.
    func summary(interrupted: Bool) -> Bool {
        if isTerminal { Console.line("") }
        let remaining = totalFiles - doneFiles
        if imported == 0 && failures.isEmpty && duplicates == totalFiles {
            Console.line("nothing to import: all \(totalFiles) photo\(totalFiles == 1 ? " is" : "s are") already there")
        } else {
            Console.line(
                "imported \(imported), skipped \(duplicates) as duplicates, \(skipped.notImages) as not images, "
                    + "\(skipped.unsupported) as unsupported formats, failed \(failures.count)"
                    + (remaining > 0 ? ", not done \(remaining)" : "") + " (\(elapsedText()))")
        }
        for failure in failures { Console.line("  failed \(failure.file): \(failure.reason)") }
        if interrupted {
            Console.line("interrupted: run the same command again to finish (photos already imported are skipped)")
        }
        return !failures.isEmpty
    }

    private func draw(force: Bool) {
        guard isTerminal else { return }
        let now = ContinuousClock.now
        guard force || now - lastDraw >= .milliseconds(100) else { return }
        lastDraw = now
        let fraction = totalBytes > 0 ? min(1, Double(doneBytes) / Double(totalBytes)) : 1
        let width = 24
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let seconds = max(0.001, elapsedSeconds())
        let rate = Double(doneBytes) / seconds
        let left = rate > 0 ? Double(totalBytes - doneBytes) / rate : 0
        let text =
            "[\(bar)] \(doneFiles)/\(totalFiles) files  \(Self.megabytes(doneBytes))/\(Self.megabytes(totalBytes))  "
            + "\(Self.megabytes(Int(rate)))/s  \(Self.clock(left)) left"
        FileHandle.standardOutput.write(Data(("\r\u{1B}[K" + text).utf8))
    }

    private func line(_ text: String) {
        FileHandle.standardOutput.write(Data(("\r\u{1B}[K" + text + "\n").utf8))
    }

    private func elapsedSeconds() -> Double {
        let elapsed = ContinuousClock.now - started
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    private func elapsedText() -> String {
        let seconds = elapsedSeconds()
        let perSecond = seconds > 0 ? Double(imported + duplicates) / seconds : 0
        return String(format: "%.1f s, %.1f photos/s", seconds, perSecond)
    }

    static func megabytes(_ bytes: Int) -> String { String(format: "%.1f MB", Double(bytes) / 1_000_000) }

    static func clock(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        return String(format: "%d:%02d", total / 60, total % 60)
    }
}

/// Unbuffered lines on standard output, so a piped log shows each file as it finishes.
enum Console {
    static func line(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }
}
