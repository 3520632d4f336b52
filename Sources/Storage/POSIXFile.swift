#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Thin, throwing wrappers over the POSIX calls that durable writes need (write, fsync, rename).
public enum POSIXFile {
    /// The errno of a failed call, with the operation that failed.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let operation: String
        public let code: Int32
        public var description: String { "\(operation) failed: \(String(cString: strerror(code)))" }
        /// True when the file system is full (ENOSPC, EDQUOT).
        public var isOutOfSpace: Bool { code == ENOSPC || code == EDQUOT }
    }

    /// Opens a new file for writing, failing if it exists.
    public static func createExclusive(_ path: String) throws -> Int32 {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Failure(operation: "open", code: errno) }
        return fd
    }

    /// Writes all of `bytes`, retrying short writes and EINTR.
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(operation: "write", code: errno)
            }
            offset += n
        }
    }

    /// Flushes a file's data to stable storage.
    public static func sync(_ fd: Int32) throws {
        guard fsync(fd) == 0 else { throw Failure(operation: "fsync", code: errno) }
    }

    /// Closes a descriptor, ignoring errors (only used after a successful fsync or on error paths).
    public static func closeQuietly(_ fd: Int32) {
        _ = close(fd)
    }

    /// Flushes a directory entry (after a rename), so the new name survives a crash.
    public static func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(operation: "open directory", code: errno) }
        defer { _ = close(fd) }
        guard fsync(fd) == 0 else { throw Failure(operation: "fsync directory", code: errno) }
    }

    /// Renames atomically; fails with EXDEV across file systems.
    public static func rename(_ from: String, to: String) throws {
        guard posixRename(from, to) == 0 else { throw Failure(operation: "rename", code: errno) }
    }

    /// Removes a file; a missing file is not an error.
    public static func removeIfPresent(_ path: String) {
        _ = unlink(path)
    }

    /// The size of a regular file, or nil when it does not exist.
    public static func size(_ path: String) throws -> Int? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT { return nil }
            throw Failure(operation: "stat", code: errno)
        }
        return Int(info.st_size)
    }

    /// Creates a directory and its parents (mode 0755); existing ones are fine.
    public static func makeDirectories(_ path: String) throws {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, 0o755) != 0 && errno != EEXIST {
                throw Failure(operation: "mkdir", code: errno)
            }
        }
    }
}

/// The C library's rename, named apart from `POSIXFile.rename`.
private func posixRename(_ from: String, _ to: String) -> Int32 {
    rename(from, to)

}
