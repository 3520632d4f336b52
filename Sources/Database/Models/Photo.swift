import Foundation

/// A photo's processing state, stored as stable snake_case text.
public enum PhotoStatus: String, Sendable, Codable, CaseIterable {
    case queued
    case processing
    case ready
    case failed
}

/// Where a photo's place on the timeline comes from, stored as stable snake_case text.
public enum TakenAtSource: String, Sendable, Codable, CaseIterable {
    /// EXIF DateTimeOriginal with its OffsetTimeOriginal: an instant.
    case exif
    /// EXIF DateTimeOriginal without an offset: the camera's local time, sorted as if it were UTC.
    case exifLocal = "exif_local"
    /// No capture time: when the photo was uploaded.
    case upload

    /// The time the timeline sorts a photo by: the capture time with its offset when there is one, the camera's
    /// local time when there is none, else the upload time.
    public static func takenAt(capturedAt: String?, offset: String?, uploadedAt: Date) -> (Date, TakenAtSource) {
        guard let capturedAt, let local = secondsSince1970(localTime: capturedAt) else { return (uploadedAt, .upload) }
        if let offset, let shift = offsetSeconds(offset) {
            return (Date(timeIntervalSince1970: Double(local - shift)), .exif)
        }
        return (Date(timeIntervalSince1970: Double(local)), .exifLocal)
    }

    /// `2019-07-14T18:42:07` as seconds since 1970 read as UTC; nil unless it is a real calendar time (the
    /// migrations apply the same rule to existing rows).
    static func secondsSince1970(localTime text: String) -> Int? {
        let shape = Array("dddd-dd-ddTdd:dd:dd")
        let chars = Array(text)
        guard chars.count == shape.count,
            zip(chars, shape).allSatisfy({ $1 == "d" ? $0.isASCII && $0.isNumber : $0 == $1 })
        else { return nil }
        let parts = text.split(whereSeparator: { "-T:".contains($0) }).compactMap { Int($0) }
        let (year, month, day, hour, minute, second) = (parts[0], parts[1], parts[2], parts[3], parts[4], parts[5])
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let monthDays = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard (1...12).contains(month), (1...monthDays[month - 1]).contains(day), (0...23).contains(hour),
            (0...59).contains(minute), (0...59).contains(second)
        else { return nil }
        // Days from the civil date (Howard Hinnant's algorithm), so no calendar or formatter is needed.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        return days * 86_400 + hour * 3_600 + minute * 60 + second
    }

    /// `+02:00` as seconds east of UTC; nil unless it is `±HH:MM` within ±14 hours.
    static func offsetSeconds(_ text: String) -> Int? {
        let chars = Array(text)
        guard chars.count == 6, chars[0] == "+" || chars[0] == "-", chars[3] == ":",
            [1, 2, 4, 5].allSatisfy({ chars[$0].isASCII && chars[$0].isNumber }),
            let hours = Int(String(chars[1...2])), let minutes = Int(String(chars[4...5])),
            (0...14).contains(hours), (0...59).contains(minutes)
        else { return nil }
        return (chars[0] == "-" ? -1 : 1) * (hours * 3_600 + minutes * 60)
    }
}

/// A capture time as EXIF writes it (`2019-07-14T18:42:07`, the camera's local time), with its offset when known;
/// only real calendar times and offsets within ±14:00 are made.
public struct CaptureTime: Sendable, Equatable {
    public let localTime: String
    public let offset: String?

    public init?(localTime: String, offset: String?) {
        guard TakenAtSource.secondsSince1970(localTime: localTime) != nil,
            offset.map({ TakenAtSource.offsetSeconds($0) != nil }) ?? true
        else { return nil }
        self.localTime = localTime
        self.offset = offset
    }

    /// The instant the timeline sorts by, and its source (`exif` with an offset, else `exif_local`).
    public var takenAt: (Date, TakenAtSource) {
        TakenAtSource.takenAt(capturedAt: localTime, offset: offset, uploadedAt: Date())
    }
}

/// A stored derivative (display image or thumbnail): its file extension, size in pixels and bytes.
public struct DerivativeInfo: Sendable, Equatable {
    public var fileExtension: String
    public var width: Int
    public var height: Int
    public var bytes: Int

    public init(fileExtension: String, width: Int, height: Int, bytes: Int) {
        self.fileExtension = fileExtension
        self.width = width
        self.height = height
        self.bytes = bytes
    }
}

/// What the worker makes besides the display image and thumbnail: their WebP twins (`<kind>/<hash>.webp`, sizes in
/// bytes; nil when not made) and the thumbnail's ThumbHash in base64.
public struct DerivativeExtras: Sendable, Equatable {
    public var displayWebPBytes: Int?
    public var thumbnailWebPBytes: Int?
    public var placeholder: String?

    public init(displayWebPBytes: Int? = nil, thumbnailWebPBytes: Int? = nil, placeholder: String? = nil) {
        self.displayWebPBytes = displayWebPBytes
        self.thumbnailWebPBytes = thumbnailWebPBytes
        self.placeholder = placeholder
    }
}

/// One uploaded photo, as recorded in `photos`.
public struct Photo: Sendable, Equatable, Identifiable {
    public var id: Int64
    /// SHA-256 of the original, lowercase hex: the name of all its files.
    public var hash: String
    /// The name the uploader's file had; text only, never used as a path.
    public var originalName: String
    public var contentType: String
    public var bytes: Int
    /// Size as seen, after the EXIF orientation.
    public var width: Int
    public var height: Int
    public var orientation: Int?
    public var capturedAt: String?
    public var status: PhotoStatus
    public var error: String?
    public var display: DerivativeInfo?
    public var thumbnail: DerivativeInfo?
    public var createdAt: Date
    public var updatedAt: Date
    /// The albums the photo is in, by id, ascending; every photo is in the gallery whatever its albums.
    public var albumIDs: [Int64]
    /// EXIF OffsetTimeOriginal (`+02:00`), the zone `capturedAt` was written in, when the camera recorded it.
    public var capturedOffset: String?
    public var camera: Camera
    /// The user who uploaded it; nil when it was uploaded while sign-in was not required.
    public var ownerID: Int64?
    /// The time the timeline sorts by, and where it comes from.
    public var takenAt: Date
    public var takenAtSource: TakenAtSource
    /// Starred by someone: it is in the favourites.
    public var favorite: Bool
    /// WebP twins and placeholder, once the photo is ready.
    public var extras = DerivativeExtras()
    /// When it was moved to the trash; nil for a live photo. A trashed photo is in no gallery, album, share or count.
    public var trashedAt: Date?

    public init(
        id: Int64, hash: String, originalName: String, contentType: String, bytes: Int, width: Int, height: Int,
        orientation: Int?, capturedAt: String?, status: PhotoStatus, error: String?, display: DerivativeInfo?,
        thumbnail: DerivativeInfo?, createdAt: Date, updatedAt: Date, albumIDs: [Int64] = [],
        capturedOffset: String? = nil, camera: Camera = Camera(), ownerID: Int64? = nil, takenAt: Date? = nil,
        takenAtSource: TakenAtSource = .upload, favorite: Bool = false, trashedAt: Date? = nil
    ) {
        self.id = id
        self.hash = hash
        self.originalName = originalName
        self.contentType = contentType
        self.bytes = bytes
        self.width = width
        self.height = height
        self.orientation = orientation
        self.capturedAt = capturedAt
        self.status = status
        self.error = error
        self.display = display
        self.thumbnail = thumbnail
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.albumIDs = albumIDs
        self.capturedOffset = capturedOffset
        self.camera = camera
        self.ownerID = ownerID
        self.takenAt = takenAt ?? createdAt
        self.takenAtSource = takenAtSource
        self.favorite = favorite
        self.trashedAt = trashedAt
    }

    /// When the sweep purges it: `trashDays` after it was trashed; nil for a live photo.
    public func purgeDate(trashDays: Int) -> Date? {
        trashedAt.map { $0.addingTimeInterval(Double(trashDays) * 86_400) }
    }

    /// The original's file extension, from its sniffed type.
    public var originalExtension: String {
        switch contentType {
        case "image/png": "png"
        case "image/heic": "heic"
        case "image/avif": "avif"
        case "image/webp": "webp"
        default: "jpg"
        }
    }
}

/// What an upload knows about a new photo before it has an id.
public struct NewPhoto: Sendable, Equatable {
    public var hash: String
    public var originalName: String
    public var contentType: String
    public var bytes: Int
    public var width: Int
    public var height: Int
    public var orientation: Int?
    public var capturedAt: String?
    public var capturedOffset: String?
    public var camera: Camera
    /// The album the upload goes into; nil for the main gallery.
    public var albumID: Int64?
    /// The signed-in uploader; nil when sign-in is not required.
    public var ownerID: Int64?
    /// The share link a guest uploaded it through (into `albumID`), recorded on the album membership.
    public var addedByLinkID: Int64?

    public init(
        hash: String, originalName: String, contentType: String, bytes: Int, width: Int, height: Int,
        orientation: Int?, capturedAt: String?, capturedOffset: String? = nil, camera: Camera = Camera(),
        albumID: Int64? = nil, ownerID: Int64? = nil, addedByLinkID: Int64? = nil
    ) {
        self.hash = hash
        self.originalName = originalName
        self.contentType = contentType
        self.bytes = bytes
        self.width = width
        self.height = height
        self.orientation = orientation
        self.capturedAt = capturedAt
        self.capturedOffset = capturedOffset
        self.camera = camera
        self.albumID = albumID
        self.ownerID = ownerID
        self.addedByLinkID = addedByLinkID
    }
}

/// The camera that took a photo, from EXIF Make and Model; both nil when the file does not say.
public struct Camera: Sendable, Equatable {
    public var make: String?
    public var model: String?

    public init(make: String? = nil, model: String? = nil) {
        self.make = make
        self.model = model
    }

    /// `Apple iPhone 12` as people say it: the model alone when it already names the make (`Canon EOS R5`).
    public var displayName: String? {
        let make = self.make?.trimmingCharacters(in: .whitespaces).nilIfEmpty
        let model = self.model?.trimmingCharacters(in: .whitespaces).nilIfEmpty
        switch (make, model) {
        case (nil, nil): return nil
        case (let make?, nil): return make
        case (nil, let model?): return model
        case (let make?, let model?):
            let firstWord = make.split(separator: " ").first.map(String.init) ?? make
            return model.lowercased().hasPrefix(firstWord.lowercased()) ? model : "\(make) \(model)"
        }
    }
}

extension String {
    fileprivate var nilIfEmpty: String? { isEmpty ? nil : self }
}

/// The result of recording an upload: a new photo (with its job enqueued) or the one that already had those bytes.
public enum InsertOutcome: Sendable, Equatable {
    case created(Photo)
    case existing(Photo)

    public var photo: Photo {
        switch self {
        case .created(let photo), .existing(let photo): return photo
        }
    }

    public var isNew: Bool {
        if case .created = self { return true }
        return false
    }
}
