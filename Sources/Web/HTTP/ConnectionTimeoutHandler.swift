import NIOCore
import NIOHTTPTypes

/// Cuts off clients that hold a connection without making progress (slowloris): a connection must deliver a
/// complete request head within `headerTimeout` of opening (or of the previous answer), and while a request body
/// is arriving, a read the server asked for must bring bytes within `bodyTimeout`. Time the server itself takes
/// (handling the request, or not asking for more body while it writes to disk) never counts.
/// Sits after HTTP decoding in each connection's pipeline; closing the channel ends the request's body stream,
/// so an upload cut off this way is discarded like any other truncated body.
final class ConnectionTimeoutHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private enum Phase {
        /// Waiting for the next request head: the header deadline runs.
        case awaitingHead
        /// A request body is arriving: each read the server asks for must bring bytes in time.
        case receivingBody
        /// The request is in; the server is answering.
        case answering
    }

    private let headerTimeout: TimeAmount
    private let bodyTimeout: TimeAmount
    private var phase = Phase.awaitingHead
    private var timer: Scheduled<Void>?

    init(headerTimeout: TimeAmount, bodyTimeout: TimeAmount) {
        self.headerTimeout = headerTimeout
        self.bodyTimeout = bodyTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(headerTimeout, context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(headerTimeout, context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        disarm()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            phase = .receivingBody
            disarm()
        case .body: disarm()  // progress; the next read the server asks for arms the timer again
        case .end:
            phase = .answering
            disarm()
        }
        context.fireChannelRead(data)
    }

    func read(context: ChannelHandlerContext) {
        if phase == .receivingBody { arm(bodyTimeout, context: context) }
        context.read()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            // The answer is complete: a kept-alive connection now has `headerTimeout` to send its next request.
            phase = .awaitingHead
            arm(headerTimeout, context: context)
        }
        context.write(data, promise: promise)
    }

    private func arm(_ timeout: TimeAmount, context: ChannelHandlerContext) {
        timer?.cancel()
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: timeout) {
            loopBound.value.close(promise: nil)
        }
    }

    private func disarm() {
        timer?.cancel()
        timer = nil
    }
}
