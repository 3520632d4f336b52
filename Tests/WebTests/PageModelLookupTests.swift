import Database
import Foundation
import Mustache
import Storage
import Testing

@testable import Web

/// The gallery's models answer the templates' look-ups themselves (no Mirror, issue 10): each must answer every
/// stored field exactly as Mirror did, or a page would silently lose a value.
@Suite("Page models answer the templates like Mirror")
struct PageModelLookupTests {
    @Test("every stored field of every gallery model is answered, with the same value")
    func everyFieldAnswered() throws {
        let store = try LocalStore(root: FileManager.default.temporaryDirectory.path + "/lookup-" + UUID().uuidString)
        let photo = Photo(
            id: 7, hash: String(repeating: "a", count: 64), originalName: "trip.jpg", contentType: "image/jpeg",
            bytes: 1234, width: 1600, height: 1200, orientation: 1, capturedAt: "2021-06-05T14:03:00", status: .ready,
            error: nil, display: .init(fileExtension: "jpg", width: 1280, height: 960, bytes: 100),
            thumbnail: .init(fileExtension: "jpg", width: 400, height: 300, bytes: 10), createdAt: Date(),
            updatedAt: Date(), albumIDs: [3], camera: Camera(make: "Canon", model: "EOS"))
        var card = PhotoCard(photo, store: store)
        card.monthHeading = "June 2021"
        let grid = PhotoGrid(
            photos: [card], hasPhotos: true, nextURL: "/?after=7", nextJSONURL: nil, pendingIDs: "",
            scopeQuery: "album=3")
        let chrome = PageChrome(csrfToken: "token", section: .photos, signedInAs: "ann")
        let upload = UploadFormModel(
            maxUploadText: "50 MB", albumOptionsHTML: "<option value=\"1\">Trip</option>", fixedAlbumID: nil,
            tusThreshold: 1000)
        let models: [any MustacheParent] = [
            card, grid, chrome, upload, AlbumOption(id: 1, name: "Trip", isSelected: false),
            GalleryPage(
                chrome: chrome, gridHTML: "<ul></ul>", scrubberHTML: "<nav></nav>", showsFavorites: false,
                upload: upload),
            GalleryGridFragment(grid: grid, isFirstPage: true),
            AlbumOptionsFragment(albums: [AlbumOption(id: 1, name: "Trip", isSelected: true)]),
            ScrubberFragment(years: [ScrubberYear(year: "2019", url: "/?from=2019-07", countText: "3 photos")]),
            ScrubberYear(year: "2019", url: "/?from=2019-07", countText: "3 photos"),
        ]
        for model in models {
            for child in Mirror(reflecting: model).children {
                let label = try #require(child.label)
                let answered = model.child(named: label)
                let expected = Self.unwrapped(child.value)
                #expect((answered == nil) == (expected == nil), "\(type(of: model)).\(label)")
                if let answered, let expected {
                    #expect(String(describing: answered) == String(describing: expected), "\(type(of: model)).\(label)")
                }
            }
            #expect(model.child(named: "noSuchField") == nil)
        }
    }

    static func unwrapped(_ value: Any) -> Any? {
        let mirror = Mirror(reflecting: value)
        guard mirror.displayStyle == .optional else { return value }
        return mirror.children.first?.value
    }
}
