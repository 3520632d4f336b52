import HTTPTypes
import Hummingbird

extension Request {
    /// The client asked for JSON (`Accept: application/json`): API clients and the page's scripts.
    var wantsJSON: Bool { headers[.accept]?.contains("application/json") ?? false }

    /// The client can show a page (browsers send `text/html`); other clients (curl) get JSON errors.
    var wantsHTML: Bool {
        guard let accept = headers[.accept] else { return false }
        return accept.contains("text/html") && !accept.contains("application/json")
    }
}
