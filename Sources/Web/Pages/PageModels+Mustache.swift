import Mustache

// The page models name their fields for the templates, sparing swift-mustache a `Mirror` reflection per `{{name}}`.
// Each list must name every stored property the templates use; an unknown name answers nil, as with Mirror.

extension GalleryPage: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "title": title
        case "chrome": chrome
        case "gridHTML": gridHTML
        case "scrubberHTML": scrubberHTML
        case "showsFavorites": showsFavorites
        case "upload": upload
        default: nil
        }
    }
}

extension AlbumOptionsFragment: MustacheParent {
    func child(named name: String) -> Any? {
        name == "albums" ? albums : nil
    }
}

extension GalleryGridFragment: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "grid": grid
        case "isFirstPage": isFirstPage
        case "showsFavorites": showsFavorites
        default: nil
        }
    }
}

extension PageChrome: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "csrfToken": csrfToken
        case "isPhotos": isPhotos
        case "isAlbums": isAlbums
        case "isTrash": isTrash
        case "isSettings": isSettings
        case "isAccounts": isAccounts
        case "isAdmin": isAdmin
        case "isSearch": isSearch
        case "signedInAs": signedInAs
        case "offersSignIn": offersSignIn
        case "canChange": canChange
        default: nil
        }
    }
}

extension AlbumOption: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "id": id
        case "name": self.name
        case "isSelected": isSelected
        default: nil
        }
    }
}

extension PhotoGrid: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "photos": photos
        case "hasPhotos": hasPhotos
        case "nextURL": nextURL
        case "nextJSONURL": nextJSONURL
        case "pendingIDs": pendingIDs
        case "scopeQuery": scopeQuery
        default: nil
        }
    }
}

extension UploadFormModel: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "maxUploadText": maxUploadText
        case "albumOptionsHTML": albumOptionsHTML
        case "hasAlbums": hasAlbums
        case "fixedAlbumID": fixedAlbumID
        case "tusThreshold": tusThreshold
        default: nil
        }
    }
}

extension PhotoCard: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "id": id
        case "name": self.name
        case "status": status
        case "isReady": isReady
        case "isFailed": isFailed
        case "isPending": isPending
        case "error": error
        case "thumbnailURL": thumbnailURL
        case "displayURL": displayURL
        case "originalURL": originalURL
        case "srcset": srcset
        case "webpSrcset": webpSrcset
        case "displayWebPURL": displayWebPURL
        case "thumbnailWebPURL": thumbnailWebPURL
        case "placeholder": placeholder
        case "thumbnailWidth": thumbnailWidth
        case "thumbnailHeight": thumbnailHeight
        case "displayWidth": displayWidth
        case "displayHeight": displayHeight
        case "width": width
        case "height": height
        case "sizeText": sizeText
        case "createdText": createdText
        case "createdISO": createdISO
        case "capturedText": capturedText
        case "cameraText": cameraText
        case "monthKey": monthKey
        case "monthHeading": monthHeading
        case "isFavorite": isFavorite
        case "href": href
        case "aspectRatio": aspectRatio
        case "isLandscape": isLandscape
        default: nil
        }
    }
}

extension ScrubberFragment: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "years": years
        case "hasYears": hasYears
        default: nil
        }
    }
}

extension ScrubberYear: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "year": year
        case "url": url
        case "countText": countText
        default: nil
        }
    }
}
