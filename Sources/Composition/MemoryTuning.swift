import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// glibc's allocator, tuned once at start for a process that allocates and frees tens of megabytes per photo.
///
/// A fixed mmap threshold of 32 MiB (glibc's own ceiling) keeps a job's pixel planes, file bytes and libjpeg's
/// coefficient buffers in the heap, where the next job reuses them. With a lower threshold each of those blocks
/// is a fresh mapping whose pages the kernel faults in and zeroes again for every photo: at 1 MiB that was 117,000
/// page faults and about 20% of the pipeline's time over the 20 benchmark photos. A fixed threshold also stops
/// glibc from moving it as blocks are freed. What a busy worker keeps in its heap is bounded by its concurrency
/// times one job's working set, and ``releaseFreeMemory()`` gives it back when the queue runs dry. `MALLOC_*`
/// variables set by an operator take precedence.
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
