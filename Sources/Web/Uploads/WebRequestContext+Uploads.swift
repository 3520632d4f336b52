import Hummingbird

extension WebRequestContext {
    /// May this request upload? The one check every upload route (`POST /photos`, the tus endpoints) calls.
    /// With `AUTH_REQUIRED` the auth middleware has already turned anonymous requests away; this refuses what it
    /// let through without the right to change things.
    func authorizeUpload() throws {
        guard canChange else { throw APIError(.unauthorized, "unauthorized", "Sign in to upload photos.") }
    }
}
