import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A small Redis client: one multiplexed (pipelined) connection, opened on first use and again after it drops,
/// with connect and command timeouts. After a failed connect, calls fail fast with `.unavailable` until a backoff
/// (doubling up to `maxBackoff`) has passed, so a Redis outage costs callers nothing but an error.
public actor RedisClient {
    public struct Options: Sendable {
        public var connectTimeout: Duration
        public var commandTimeout: Duration
        public var minBackoff: Duration
        public var maxBackoff: Duration

        public init(
            connectTimeout: Duration = .seconds(1), commandTimeout: Duration = .seconds(1),
            minBackoff: Duration = .milliseconds(100), maxBackoff: Duration = .seconds(5)
        ) {
            self.connectTimeout = connectTimeout
            self.commandTimeout = commandTimeout
            self.minBackoff = minBackoff
            self.maxBackoff = maxBackoff
        }
    }

    private enum State {
        case idle
        case connecting(Task<any Channel, any Error>)
        case connected(any Channel)
        case backingOff(until: ContinuousClock.Instant, error: RedisError)
    }

    public nonisolated let url: RedisURL
    public nonisolated let options: Options
    private let group: any EventLoopGroup
    private var state: State = .idle
    private var backoff: Duration
    private var closed = false

    public init(
        url: RedisURL, options: Options = Options(), group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.url = url
        self.options = options
        self.group = group
        self.backoff = options.minBackoff
    }

    /// Sends one command (e.g. `["SET", "k", "v", "PX", "1000"]`) and returns its reply. An error reply is returned
    /// as `.error`, not thrown: only transport failures throw.
    public func send(_ command: [String]) async throws -> RESPValue {
        try await pipeline([command])[0]
    }

    /// Sends every command at once on the connection and returns their replies in order.
    public func pipeline(_ commands: [[String]]) async throws -> [RESPValue] {
        let channel = try await connection()
        return try await Self.exchange(commands, on: channel, timeout: options.commandTimeout)
    }

    /// Closes the connection; later calls fail.
    public func close() async {
        closed = true
        if case .connected(let channel) = state { try? await channel.close() }
        state = .idle
    }

    private func connection() async throws -> any Channel {
        guard !closed else { throw RedisError(.connectionClosed, "the client was closed") }
        switch state {
        case .connected(let channel) where channel.isActive: return channel
        case .connecting(let task): return try await task.value
        case .backingOff(let until, let error) where ContinuousClock.now < until:
            throw RedisError(
                .unavailable, "Redis at \(url.host):\(url.port) is unavailable (\(error.message)); retrying shortly")
        default: break
        }
        let url = self.url
        let options = self.options
        let group = self.group
        let task = Task { try await Self.open(url: url, options: options, group: group) }
        state = .connecting(task)
        do {
            let channel = try await task.value
            state = .connected(channel)
            backoff = options.minBackoff
            return channel
        } catch {
            let redisError = (error as? RedisError) ?? RedisError(.connectFailed, "\(error)")
            state = .backingOff(until: ContinuousClock.now + backoff, error: redisError)
            backoff = min(backoff * 2, options.maxBackoff)
            throw redisError
        }
    }

    /// Connects, then authenticates and selects the database before anyone else may use the channel.
    private static func open(url: RedisURL, options: Options, group: any EventLoopGroup) async throws -> any Channel {
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(TimeAmount(options.connectTimeout))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(RESPChannelHandler())
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: url.host, port: url.port).get()
        } catch {
            throw RedisError(.connectFailed, "cannot connect to \(url.host):\(url.port): \(error)")
        }
        var setup: [[String]] = []
        if let password = url.password {
            setup.append(url.username.map { ["AUTH", $0, password] } ?? ["AUTH", password])
        }
        if url.database != 0 { setup.append(["SELECT", String(url.database)]) }
        if !setup.isEmpty {
            do {
                let replies = try await exchange(setup, on: channel, timeout: options.commandTimeout)
                for case .error(let message) in replies {
                    // The server's words only (e.g. WRONGPASS …): never the password we sent.
                    throw RedisError(.serverError, message)
                }
            } catch {
                try? await channel.close()
                throw error
            }
        }
        return channel
    }

    /// Writes the commands in one flush and waits for all replies; on timeout closes the channel, because later
    /// replies could no longer be matched to their commands.
    static func exchange(_ commands: [[String]], on channel: any Channel, timeout: Duration) async throws -> [RESPValue]
    {
        var futures: [EventLoopFuture<RESPValue>] = []
        futures.reserveCapacity(commands.count)
        for command in commands {
            var bytes = channel.allocator.buffer(capacity: 64)
            RESPEncoder.encode(command, into: &bytes)
            let promise = channel.eventLoop.makePromise(of: RESPValue.self)
            futures.append(promise.futureResult)
            // A write that fails before reaching the handler (the channel already closed) must fail the reply too,
            // or the caller would wait for it forever: the timeout below only closes the channel.
            let written = channel.eventLoop.makePromise(of: Void.self)
            written.futureResult.whenFailure {
                promise.fail(RedisError(.connectionClosed, "the connection to Redis closed: \($0)"))
            }
            channel.write(RESPRequest(bytes: bytes, promise: promise), promise: written)
        }
        channel.flush()
        let all = EventLoopFuture.whenAllComplete(futures, on: channel.eventLoop)
        let timedOut = NIOLockedValueBox(false)
        let timer = channel.eventLoop.scheduleTask(in: TimeAmount(timeout)) {
            timedOut.withLockedValue { $0 = true }
            channel.close(promise: nil)
        }
        let results = try await all.get()
        timer.cancel()
        var replies: [RESPValue] = []
        replies.reserveCapacity(results.count)
        for result in results {
            switch result {
            case .success(let value): replies.append(value)
            case .failure(let error as RedisError)
            where error.code == .connectionClosed && timedOut.withLockedValue({ $0 }):
                throw RedisError(.timeout, "no reply within \(timeout)")
            case .failure(let error): throw error
            }
        }
        return replies
    }
}
