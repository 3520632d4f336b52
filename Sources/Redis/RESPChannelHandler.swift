import NIOCore

/// One command on its way out, with the promise its reply completes.
struct RESPRequest {
    var bytes: ByteBuffer
    var promise: EventLoopPromise<RESPValue>
}

/// Pipelining on one connection: each written command queues its promise, and each reply completes the oldest
/// (Redis answers in order). When the connection ends, every command still in flight fails.
final class RESPChannelHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = RESPRequest
    typealias OutboundOut = ByteBuffer

    private var pending = CircularBuffer<EventLoopPromise<RESPValue>>()
    private var received: ByteBuffer?

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        // Queued together with its bytes, on the event loop: the order of promises is the order on the wire.
        pending.append(request.promise)
        context.write(wrapOutboundOut(request.bytes), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        if received == nil { received = incoming } else { received!.writeBuffer(&incoming) }
        do {
            while var buffer = received, let value = try RESPParser.next(from: &buffer) {
                received = buffer
                guard let promise = pending.popFirst() else {
                    failAll(RedisError(.protocolError, "a reply arrived with no command waiting"), context: context)
                    return
                }
                promise.succeed(value)
            }
            if received?.readableBytes == 0 { received = nil } else { received?.discardReadBytes() }
        } catch {
            failAll(error, context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        failPending(RedisError(.connectionClosed, "the connection to Redis closed"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failAll(RedisError(.connectionClosed, "connection error: \(error)"), context: context)
    }

    private func failAll(_ error: any Error, context: ChannelHandlerContext) {
        failPending(error)
        context.close(promise: nil)
    }

    private func failPending(_ error: any Error) {
        while let promise = pending.popFirst() { promise.fail(error) }
    }
}
