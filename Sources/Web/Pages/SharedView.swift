import Database
import Storage

/// How an opened share link shows photos to its guest: links under `/s/<token>`, only the shared album's id, and
/// (when the link may not download) no hash and no hash-named URL, since `/media/original/<hash>` would give the
/// original; the images then come through `/s/<token>/media/…`, which checks the link.
struct SharedView: Sendable {
    let link: ShareLink
    let token: String
    let store: any MediaStore

    /// `/s/<token>`: every page and action of the link lives under it.
    var basePath: String { "/s/\(token)" }
    var canDownload: Bool { link.permissions.download }

    func urls(_ photo: Photo) -> PhotoURLs {
        if canDownload { return PhotoURLs(photo, store: store) }
        let ready = photo.status == .ready && photo.display != nil && photo.thumbnail != nil
        return PhotoURLs(
            original: nil, display: ready ? "\(basePath)/media/display/\(photo.id)" : nil,
            thumbnail: ready ? "\(basePath)/media/thumbnail/\(photo.id)" : nil)
    }

    /// The photo in JSON, as `/photos` shapes it. `revealHash` for the guest's own upload: they sent those bytes.
    func json(_ photo: Photo, revealHash: Bool = false) -> PhotoJSON {
        PhotoJSON(
            photo, urls: urls(photo), albumIDs: link.target.albumID.map { [$0] } ?? [],
            hash: canDownload || revealHash ? photo.hash : nil)
    }

    /// A grid tile or the subject of a shared photo page, linking within the link.
    func card(_ photo: Photo) -> PhotoCard {
        var card = PhotoCard(photo, urls: urls(photo))
        card.href = "\(basePath)/photos/\(photo.id)"
        return card
    }
}
