import Foundation

extension POSIXFile {
    /// Removes the files directly in `folder` last modified before `cutoff`; returns how many.
    public static func removeFiles(in folder: String, modifiedBefore cutoff: Date) -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        var removed = 0
        for name in names {
            let path = folder + "/" + name
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
            guard attributes?[.type] as? FileAttributeType == .typeRegular,
                let modified = attributes?[.modificationDate] as? Date, modified < cutoff
            else { continue }
            removeIfPresent(path)
            removed += 1
        }
        return removed
    }
}
