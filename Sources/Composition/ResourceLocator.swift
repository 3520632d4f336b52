import Foundation

/// Finds the folder holding `Public/`, `Templates/` and `Migrations/`: the one named by `RESOURCES_DIR`,
/// else the working directory, else the first ancestor of the binary that has them (`.build/debug/app` in a checkout,
/// `/opt/memories/bin/app` next to `/opt/memories/Public` when deployed).
package enum ResourceLocator {
    package static func find(explicit: String?) -> String? {
        if let explicit { return holdsResources(explicit) ? absolute(explicit) : nil }
        let fileManager = FileManager.default
        if holdsResources(fileManager.currentDirectoryPath) { return fileManager.currentDirectoryPath }
        let executable =
            (try? fileManager.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var folder = URL(fileURLWithPath: executable).deletingLastPathComponent()
        for _ in 0..<6 {
            if holdsResources(folder.path) { return folder.path }
            folder = folder.deletingLastPathComponent()
        }
        return nil
    }

    package static func holdsResources(_ folder: String) -> Bool {
        ["Public", "Templates", "Migrations"].allSatisfy { name in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: folder + "/" + name, isDirectory: &isDirectory)
                && isDirectory.boolValue
        }
    }

    package static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }
}
