import Hummingbird
import Ingest

extension WebServices {
    /// The shared last steps of every upload, over these services.
    func ingest(maxJobAttempts: Int) -> PhotoIngest {
        PhotoIngest(photos: photos, wake: wake, maxJobAttempts: maxJobAttempts, logger: logger)
    }

    /// May this request upload? The one check every upload route (`POST /photos`, the tus endpoints) calls.
    /// With `AUTH_REQUIRED` the auth middleware has already turned anonymous requests away; this refuses what it
    /// let through without the right to change things.
    func authorizeUpload(_ request: Request, context: WebRequestContext) async throws {
        guard context.canChange else { throw APIError(.unauthorized, "unauthorized", "Sign in to upload photos.") }
    }
}
