import Hummingbird

extension WebServices {
    /// The shared last steps of every upload, over these services.
    func ingest(maxJobAttempts: Int) -> PhotoIngest {
        PhotoIngest(photos: photos, wake: wake, maxJobAttempts: maxJobAttempts, logger: logger)
    }

    /// May this request upload? The one check every upload route (`POST /photos`, the tus endpoints) calls, so
    /// accounts can decide it in one place (signed-in user or bearer token when `AUTH_REQUIRED`). Today: anyone.
    func authorizeUpload(_ request: Request, context: WebRequestContext) async throws {}
}
