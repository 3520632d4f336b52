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
    /// The `after` cursor of a newest-first photo list (a photo id), or nil for the first page.
    func photoCursor() throws -> Int64? {
        guard let text = uri.queryParameters["after"] else { return nil }
        guard let value = Int64(text), value > 0 else { throw APIError.badRequest("after must be a photo id.") }
        return value
    }
}
