import Hummingbird
import Mustache
import NIOCore

/// Renders the Mustache templates in `Templates/` into HTML responses. Mustache escapes every `{{value}}`,
/// so names users supplied are always HTML-escaped.
public struct PageRenderer: Sendable {
    let library: MustacheLibrary

    /// Loads every `*.mustache` file in `directory` once, at start-up.
    public init(directory: String) async throws {
        library = try await MustacheLibrary(directory: directory)
    }

    /// The rendered template as text: a fragment to cache or to put into a page.
    func render(_ template: String, _ context: Any) -> String {
        library.render(context, withTemplate: template) ?? ""
    }

    /// A `text/html` response with the rendered template.
    func page(_ template: String, _ context: Any, status: HTTPResponse.Status = .ok) -> Response {
        let html =
            library.render(context, withTemplate: template)
            ?? "<!doctype html><title>Memories</title><p>Missing template \(template)."
        return Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}
