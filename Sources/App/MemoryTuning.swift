import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// glibc's allocator, tuned once at start for a process that allocates and frees tens of megabytes per photo.
/// By default glibc raises its mmap threshold each time a large block is freed, so later pixel buffers come from the
/// heap, whose freed space is kept (and split across per-thread arenas): a worker's RSS then crept up by about 8 MB a
/// minute under a mixed soak (scripts/bench/soak.py). A fixed threshold keeps buffers of 1 MiB and more in their own
/// mappings, returned to the system when freed, and trimming gives back heap tops above 4 MiB. `MALLOC_*` variables
/// set by an operator still take precedence.
enum MemoryTuning {
    static func apply() {
        #if canImport(Glibc)
        let environment = ProcessInfo.processInfo.environment
        if environment["MALLOC_MMAP_THRESHOLD_"] == nil { _ = glibcMallopt(mmapThreshold, 1 << 20) }
        if environment["MALLOC_TRIM_THRESHOLD_"] == nil { _ = glibcMallopt(trimThreshold, 4 << 20) }
        #endif
    }

    #if canImport(Glibc)
    // <malloc.h> is not part of Swift's Glibc module: its two parameters (stable glibc ABI) and function by hand.
    private static let trimThreshold: Int32 = -1  // M_TRIM_THRESHOLD
    private static let mmapThreshold: Int32 = -3  // M_MMAP_THRESHOLD
    #endif
}

#if canImport(Glibc)
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif
