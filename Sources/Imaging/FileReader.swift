#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads a whole file into memory with POSIX calls, reporting failures without the path.
enum FileReader {
    static func readAll(_ path: String) throws(ImagingError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw ImagingError(.io, "The file could not be opened (\(describe(errno))).")
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            throw ImagingError(.io, "The file could not be inspected (\(describe(errno))).")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw ImagingError(.io, "The path does not name a regular file.")
        }
        // Uninitialised storage: the bytes are read straight in, with no zero-filling pass over them first.
        var failure: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: Int(info.st_size)) { buffer, initialized in
            var filled = 0
            while filled < buffer.count {
                let result = read(descriptor, buffer.baseAddress! + filled, buffer.count - filled)
                if result > 0 {
                    filled += result
                } else if result == 0 {
                    break  // The file shrank while reading; keep what is there.
                } else if errno != EINTR {
                    failure = errno
                    break
                }
            }
            initialized = filled
        }
        guard failure == 0 else {
            throw ImagingError(.io, "The file could not be read (\(describe(failure))).")
        }
        return bytes
    }

    private static func describe(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
