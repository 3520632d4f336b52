import Foundation
import MemoriesTestSupport
import NIOCore
import NIOPosix
import Testing

@testable import Redis

/// The client against a real redis-server: commands, pipelining, AUTH and SELECT, restarts, a silent server.
@Suite(.serialized) struct RedisClientTests {
    /// Timeouts for a test machine running every suite at once (the defaults, 1 s, are about a live site); the tests
    /// of timeouts set their own.
    static let patient = RedisClient.Options(connectTimeout: .seconds(10), commandTimeout: .seconds(10))

    @Test func setGetIncrementAndErrorReplies() async throws {
        let server = try await RedisServer.start()
        defer { server.tearDown() }
        let client = RedisClient(url: server.url, options: Self.patient)
        #expect(try await client.send(["SET", "greeting", "héllo"]) == .simpleString("OK"))
        #expect(try await client.send(["GET", "greeting"]).string == "héllo")
        #expect(try await client.send(["GET", "missing"]) == .null)
        #expect(try await client.send(["INCR", "n"]) == .integer(1))
        #expect(try await client.send(["RPUSH", "list", "a", "b"]) == .integer(2))
        #expect(
            try await client.send(["LRANGE", "list", "0", "-1"])
                == .array([.bulkString(ByteBuffer(string: "a")), .bulkString(ByteBuffer(string: "b"))]))
        guard case .error(let message) = try await client.send(["INCR", "greeting"]) else {
            Issue.record("INCR on text should be an error reply")
            return
        }
        #expect(message.hasPrefix("ERR"))
        await client.close()
    }

    @Test func pipelinesAThousandCommandsAnsweredInOrder() async throws {
        let server = try await RedisServer.start()
        defer { server.tearDown() }
        let client = RedisClient(url: server.url, options: .init(commandTimeout: .seconds(30)))
        let commands = (0..<1000).map { ["SET", "key\($0)", "value\($0)"] } + (0..<1000).map { ["GET", "key\($0)"] }
        let replies = try await client.pipeline(commands)
        #expect(replies.count == 2000)
        #expect(replies.prefix(1000).allSatisfy { $0 == .simpleString("OK") })
        #expect(replies.suffix(1000).map(\.string) == (0..<1000).map { "value\($0)" })
        // Many callers at once share the one connection; each gets its own answer.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<200 {
                group.addTask {
                    let reply = try await client.send(["GET", "key\(index)"])
                    #expect(reply.string == "value\(index)")
                }
            }
            try await group.waitForAll()
        }
        await client.close()
    }

    @Test func authenticatesAndSelectsTheDatabase() async throws {
        let server = try await RedisServer.start(password: "s3cret")
        defer { server.tearDown() }
        var url = server.url
        url.database = 3
        let client = RedisClient(url: url, options: Self.patient)
        _ = try await client.send(["SET", "where", "db3"])
        let other = RedisClient(url: server.url, options: Self.patient)
        #expect(try await other.send(["GET", "where"]) == .null)
        #expect(try await other.send(["SELECT", "3"]) == .simpleString("OK"))
        #expect(try await other.send(["GET", "where"]).string == "db3")
        var wrong = server.url
        wrong.password = "nope"
        let refused = RedisClient(url: wrong, options: Self.patient)
        do {
            _ = try await refused.send(["PING"])
            Issue.record("a wrong password must fail")
        } catch let error as RedisError {
            #expect(error.code == .serverError)
            #expect(!error.message.contains("nope"))
        }
        await client.close()
        await other.close()
    }

    /// A command written just as the connection closed fails at once (it used to wait forever: the write never
    /// reached the handler that fails pending replies, and the timeout only closes the channel).
    @Test(.timeLimit(.minutes(1))) func aCommandOnAClosedConnectionFailsInsteadOfWaiting() async throws {
        let server = try await RedisServer.start()
        defer { server.tearDown() }
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(RESPChannelHandler())
                }
            }
            .connect(host: "127.0.0.1", port: server.port).get()
        try await channel.close()
        await #expect(throws: RedisError.self) {
            _ = try await RedisClient.exchange([["PING"]], on: channel, timeout: .seconds(600))
        }
    }

    @Test func reconnectsAfterTheServerRestarts() async throws {
        let server = try await RedisServer.start()
        defer { server.tearDown() }
        var options = Self.patient
        options.minBackoff = .milliseconds(50)
        options.maxBackoff = .milliseconds(200)
        let client = RedisClient(url: server.url, options: options)
        #expect(try await client.send(["PING"]) == .simpleString("PONG"))
        await server.stop()
        // While it is down: clear errors, quickly (refused, then fail-fast during the backoff).
        for _ in 0..<5 {
            await #expect(throws: RedisError.self) { try await client.send(["PING"]) }
        }
        try await server.start()
        var answered = false
        for _ in 0..<200 where !answered {
            answered = (try? await client.send(["PING"])) == .simpleString("PONG")
            if !answered { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(answered, "the client reconnects once the server is back")
        await client.close()
    }

    @Test func timesOutOnAServerThatDoesNotAnswerAndRecovers() async throws {
        let server = try await RedisServer.start()
        defer { server.tearDown() }
        let client = RedisClient(
            url: server.url, options: .init(commandTimeout: .milliseconds(300), minBackoff: .milliseconds(50)))
        // The first answer may itself take longer than 300 ms on a loaded machine: try until one comes.
        var first = false
        for _ in 0..<50 where !first {
            first = (try? await client.send(["PING"])) == .simpleString("PONG")
            if !first { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(first)
        server.pause()
        do {
            _ = try await client.send(["PING"])
            Issue.record("a paused server must time out")
        } catch let error as RedisError {
            #expect(error.code == .timeout)
        }
        server.resume()
        var answered = false
        for _ in 0..<200 where !answered {
            answered = (try? await client.send(["PING"])) == .simpleString("PONG")
            if !answered { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(answered)
        await client.close()
    }

    @Test func connectTimesOutOnAListenerThatNeverAccepts() async throws {
        // A socket that listens but is never accepted from, with its backlog full: connects hang, as with a
        // black-holed host. Fill the backlog first.
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 1)
            .serverChannelOption(.autoRead, value: false)
            .bind(host: "127.0.0.1", port: 0).get()
        defer { listener.close(promise: nil) }
        let port = listener.localAddress!.port!
        let client = RedisClient(
            url: RedisURL(host: "127.0.0.1", port: port),
            options: .init(connectTimeout: .milliseconds(300), commandTimeout: .milliseconds(300)))
        // Whether the kernel completes the handshake (then no reply arrives) or not (then connect hangs), the
        // call must fail with a timeout-class error rather than wait.
        do {
            _ = try await client.send(["PING"])
            Issue.record("a silent server must fail")
        } catch let error as RedisError {
            #expect([.timeout, .connectFailed].contains(error.code))
        }
        await client.close()
    }

    @Test func connectFailureIsClearAndFailsFastDuringBackoff() async throws {
        let port = try TestPorts.free()
        let client = RedisClient(url: RedisURL(host: "127.0.0.1", port: port), options: .init(minBackoff: .seconds(30)))
        do {
            _ = try await client.send(["PING"])
            Issue.record("nothing listens there")
        } catch let error as RedisError {
            #expect(error.code == .connectFailed)
            #expect(error.message.contains("127.0.0.1:\(port)"))
        }
        do {
            _ = try await client.send(["PING"])
        } catch let error as RedisError {
            #expect(error.code == .unavailable)
        }
    }
}
