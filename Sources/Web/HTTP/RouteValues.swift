import Foundation
import Hummingbird

extension WebRequestContext {
    /// The positive whole number in the route's `{id}`; anything else is a 404 naming what was asked for.
    func routeID(naming thing: String) throws -> Int64 {
        guard let id = parameters.get("id", as: Int64.self), id > 0 else {
            throw APIError.notFound("There is no such \(thing).")
        }
        return id
    }
}

extension Request {
    /// `?limit=N` of a list, 1 to 200 (400 otherwise), or `defaultLimit` when absent.
    func pageLimit(default defaultLimit: Int) throws -> Int {
        guard let text = uri.queryParameters["limit"] else { return defaultLimit }
        guard let value = Int(text), (1...200).contains(value) else {
            throw APIError.badRequest("limit must be a whole number from 1 to 200.")
        }
        return value
    }

    /// The `after` cursor of a newest-first list (the last id of the previous page), or nil for the first page.
    func photoCursor(naming thing: String = "a photo id") throws -> Int64? {
        guard let text = uri.queryParameters["after"] else { return nil }
        guard let value = Int64(text), value > 0 else { throw APIError.badRequest("after must be \(thing).") }
        return value
    }

    /// `?<name>=2019-07` as that month's window (UTC), or nil when absent; anything else is a 400.
    func monthWindow(_ name: String) throws -> (start: Date, end: Date)? {
        guard let text = uri.queryParameters[Substring(name)] else { return nil }
        guard let window = Formatting.monthWindow(String(text)) else {
            throw APIError.badRequest("\(name) must be a month as YYYY-MM, like 2019-07.")
        }
        return window
    }

    /// `?favorite=true`: only starred photos.
    func favoritesOnly() throws -> Bool {
        guard let text = uri.queryParameters["favorite"] else { return false }
        return try RequestFields.flag(named: "favorite")(String(text))
    }
}
