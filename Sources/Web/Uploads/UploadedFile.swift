import Ingest

/// One file part of an upload, streamed to a temporary file, hashed and probed, not yet stored.
struct UploadedFile: Sendable {
    /// The temporary file holding the bytes; removed or moved into the store by the caller.
    var temporaryPath: String
    /// Its hash, size and image header, read once as the bytes streamed in.
    var inspected: InspectedFile
    /// The uploader's file name, cleaned to text (never a path).
    var originalName: String
}

/// A whole upload form: its files and its small text fields (`album`, `csrf_token`).
struct UploadForm: Sendable {
    var files: [UploadedFile]
    var fields: [String: String]
}
