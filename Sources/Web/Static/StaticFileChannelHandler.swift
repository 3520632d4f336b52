import Dispatch
import Foundation
import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Answers `GET`/`HEAD /static/...` on the connection's event loop, before a request reaches Hummingbird (no task,
/// no middleware chain), with the answer the router would give: the same ``StaticFiles``, security headers, request
/// id, `Date`, `Server` and metrics (route `/static/*`). A request pipelined behind one Hummingbird is still
/// answering, or one asking to close the connection, passes through, so answers stay in order.
/// Sits after ``ConnectionTimeoutHandler``, which sees these answers pass and so keeps its timers right.
final class StaticFileChannelHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// What the fast path needs from the server; one per server, shared by its connections.
    struct Services: Sendable {
        let files: StaticFiles
        let securityHeaders: SecurityHeaders
        let requestIDs: RequestIDGenerator
        let metrics: HTTPMetricHandles
        let serverName: String?
    }

    private let services: Services
    /// Requests handed on to Hummingbird whose answers have not ended yet.
    private var answersPending = 0
    /// True while the rest of a request answered here (its body, if any, and its end) is being dropped.
    private var droppingRequest = false
    /// The `Date` header for the current second.
    private var date: (second: Int, value: String) = (-1, "")

    init(services: Services) {
        self.services = services
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch part {
        case .head(let request):
            if answersPending == 0, let answer = answer(request) {
                droppingRequest = true
                write(answer, context: context)
                return
            }
            droppingRequest = false
            answersPending += 1
        case .body, .end:
            if droppingRequest {
                if case .end = part { droppingRequest = false }
                return
            }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { answersPending = max(0, answersPending - 1) }
        context.write(data, promise: promise)
    }

    /// The answer to `request` when it is for a static file this serves from memory.
    /// Every request head passes here, so anything not under the static prefix leaves at the first check.
    private func answer(_ request: HTTPRequest) -> Answered? {
        guard request.method == .get || request.method == .head, let target = request.path,
            target.hasPrefix(services.files.urlBasePath)
        else { return nil }
        let started = DispatchTime.now().uptimeNanoseconds
        let path = target.firstIndex(of: "?").map { target[..<$0] } ?? target[...]
        guard var answer = services.files.answer(method: request.method, path: path, headers: request.headerFields),
            !Self.asksToClose(request.headerFields)
        else { return nil }
        services.securityHeaders.apply(to: &answer.headers, path: path)
        answer.headers[RequestIDGenerator.headerName] = services.requestIDs.id(for: request.headerFields)
        answer.headers[.date] = currentDate()
        if let name = services.serverName { answer.headers[.server] = name }
        return Answered(answer: answer, method: request.method.rawValue, started: started)
    }

    /// An answer made here, with what its metrics need.
    private struct Answered {
        var answer: StaticFiles.Answer
        var method: String
        var started: UInt64
    }

    private func write(_ answered: Answered, context: ChannelHandlerContext) {
        let response = answered.answer
        context.write(
            wrapOutboundOut(.head(HTTPResponse(status: response.status, headerFields: response.headers))), promise: nil)
        if let body = response.body { context.write(wrapOutboundOut(.body(body)), promise: nil) }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        services.metrics.record(
            route: "/static/*", method: answered.method, status: response.status.code, since: answered.started)
    }

    /// True when the request's `Connection` header names `close`.
    static func asksToClose(_ headers: HTTPFields) -> Bool {
        headers[values: .connection].contains { value in
            value.split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces).lowercased() == "close" }
        }
    }

    private func currentDate() -> String {
        let now = Int(Date().timeIntervalSince1970)
        if now != date.second { date = (now, HTTPDate.format(Date(timeIntervalSince1970: TimeInterval(now)))) }
        return date.value
    }
}
