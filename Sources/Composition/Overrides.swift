import Cache
import Storage

/// What a test puts in place of the configured parts of a ``Runtime``; the commands pass none.
package struct Overrides: Sendable {
    /// A store the test made (S3 against moto, one that fails on purpose) instead of the one `STORAGE` names.
    package var store: (any MediaStore)?
    /// A cache the test can look into instead of the one `CACHE_URL` names.
    package var cache: (any Cache)?
    /// Photos per gallery page (60).
    package var pageSize: Int?
    /// The upload rate limit's window (a minute); a test lengthens it so a slow machine cannot see it end mid-test.
    package var uploadRateWindow: Duration?

    package init(
        store: (any MediaStore)? = nil, cache: (any Cache)? = nil, pageSize: Int? = nil,
        uploadRateWindow: Duration? = nil
    ) {
        self.store = store
        self.cache = cache
        self.pageSize = pageSize
        self.uploadRateWindow = uploadRateWindow
    }
}
