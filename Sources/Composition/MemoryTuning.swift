import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// glibc's allocator, tuned once at start for a process that allocates and frees tens of megabytes per photo.
/// A fixed 32 MiB mmap threshold keeps a job's large buffers in the heap for the next job to reuse instead of
/// mapping and zeroing fresh pages per photo; ``releaseFreeMemory()`` returns them when the queue runs dry.
/// `MALLOC_*` variables set by an operator take precedence.
package enum MemoryTuning {
    package static func apply() {
        #if canImport(Glibc)
            let environment = ProcessInfo.processInfo.environment
            if environment["MALLOC_MMAP_THRESHOLD_"] == nil { _ = glibcMallopt(mmapThreshold, 32 << 20) }
            if environment["MALLOC_TRIM_THRESHOLD_"] == nil { _ = glibcMallopt(trimThreshold, 64 << 20) }
        #endif
    }

    /// Returns the free memory of every malloc arena to the system (the worker calls it when it goes idle).
    package static func releaseFreeMemory() {
        #if canImport(Glibc)
            _ = glibcMallocTrim(0)
        #endif
    }

    #if canImport(Glibc)
        // <malloc.h> is not part of Swift's Glibc module: its two parameters (stable glibc ABI) and functions by hand.
        private static let trimThreshold: Int32 = -1  // M_TRIM_THRESHOLD
        private static let mmapThreshold: Int32 = -3  // M_MMAP_THRESHOLD
    #endif
}

#if canImport(Glibc)
    @_silgen_name("mallopt")
    private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32

    @_silgen_name("malloc_trim")
    private func glibcMallocTrim(_ pad: Int) -> Int32
#endif
