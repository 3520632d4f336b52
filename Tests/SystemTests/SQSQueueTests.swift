import AsyncHTTPClient
import Foundation
import Jobs
import Logging
import MemoriesTestSupport
import Storage
import Testing

/// `QUEUE=sqs` across processes: `app serve` (with the outbox relay) and `app worker`s on a real PostgreSQL, with
/// moto's SQS (the `moto_server` the S3 tests use, in the AWS JSON protocol). Each test makes its own queue and
/// dead-letter queue, linked by a redrive policy as on AWS.
@Suite("SQS transport across processes (PostgreSQL, moto)")
struct SQSQueueTests {
    static var endpoint: String? { ProcessInfo.processInfo.environment["MEMORIES_TEST_S3_ENDPOINT"] }
    static let maxAttempts = 3

    /// A client for the test's own calls (making queues, counting messages).
    static func client(endpoint: String, key: String = "test", secret: String = "test") -> SQSClient {
        let configuration = SQSConfiguration(
            queueURL: "", region: "us-east-1", endpoint: S3Endpoint(parsing: endpoint),
            credentials: SigV4Credentials(accessKeyID: key, secretAccessKey: secret), waitSeconds: 0)
        return SQSClient(configuration: configuration, httpClient: .shared, logger: Logger(label: "sqs-test"))
    }

    /// A queue and its dead-letter queue, with the redrive policy set as an operator would on AWS.
    static func makeQueues(_ client: SQSClient, name: String) async throws -> (queue: String, deadLetters: String) {
        let deadLetters = try await client.createQueue(named: name + "-dlq")
        let arn = try await client.attributes(of: deadLetters)["QueueArn"] ?? ""
        let queue = try await client.createQueue(named: name)
        try await client.setAttributes(
            [
                "RedrivePolicy": "{\"deadLetterTargetArn\":\"\(arn)\",\"maxReceiveCount\":\"\(maxAttempts)\"}",
                "VisibilityTimeout": "30",
            ], of: queue)
        return (queue, deadLetters)
    }

    /// The settings of a deployment on that queue.
    static func settings(endpoint: String, queue: String) -> [String: String] {
        [
            "QUEUE": "sqs", "SQS_QUEUE_URL": queue, "SQS_ENDPOINT": endpoint, "SQS_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "SQS_WAIT_SECONDS": "2",
            "JOB_MAX_ATTEMPTS": "\(maxAttempts)", "JOB_LEASE_SECONDS": "4", "WORKER_CONCURRENCY": "2",
        ]
    }

    static func files(in folder: String) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
    }

    @Test("40 uploads, 2 workers, one SIGKILLed mid-run: all 40 ready, each with one set of files")
    func killedWorker() async throws {
        guard let endpoint = Self.endpoint else {
            print("skipped: MEMORIES_TEST_S3_ENDPOINT not set (scripts/test starts moto)")
            return
        }
        let sqs = Self.client(endpoint: endpoint)
        let (queue, _) = try await Self.makeQueues(sqs, name: "kill-\(UUID().uuidString.prefix(8))")
        try await Deployment.with(settings: Self.settings(endpoint: endpoint, queue: queue)) { deployment in
            try await deployment.migrate()
            try await deployment.serve()
            let doomed = try deployment.start("worker")
            _ = try deployment.start("worker")
            var ids: Set<Int64> = []
            for index in 0..<40 {
                let (status, answered) = try await deployment.upload(
                    try TestImages.uniqueJPEG(width: 2400, height: 1600, tag: "sqs-kill-\(index)"),
                    name: "\(index).jpg")
                #expect(status == 201)
                ids.formUnion(answered)
            }
            #expect(ids.count == 40)
            try await waitUntil("the first worker to finish a job", timeout: .seconds(120)) {
                doomed.log.contains("job done")
            }
            doomed.signal(SIGKILL)
            try await doomed.waitForExit(timeout: .seconds(10))
            try await waitUntil("40 photos ready", timeout: .seconds(300)) {
                try await deployment.count("photos", where: "status = 'ready'") == 40
            }
            #expect(try await deployment.count("jobs", where: "state = 'done'") == 40)
            #expect(try await deployment.count("jobs", where: "sent_at IS NULL") == 0)
            // Content-addressed: a job run twice (the killed worker's) rewrote its files, it made no second set.
            for kind in ["display", "thumbnail"] {
                let names = Self.files(in: deployment.root + "/media/" + kind).filter { !$0.hasPrefix(".") }
                #expect(names.filter { $0.hasSuffix(".jpg") }.count == 40, "\(kind): \(names.count) files")
                #expect(names.filter { $0.hasSuffix(".webp") }.count == 40, "\(kind): \(names.count) files")
            }
            let metrics = try await deployment.get("/metrics").body
            #expect(metrics.contains("memories_jobs_outbox_depth 0"), "\(metrics.prefix(2000))")
            #expect(metrics.contains("memories_jobs_dead_letters 0"))
        }
    }

    @Test("SQS stopped during uploads: uploads still answer 201, jobs wait in the outbox, all ready once it is back")
    func outage() async throws {
        guard Self.endpoint != nil else {
            print("skipped: MEMORIES_TEST_S3_ENDPOINT not set (scripts/test starts moto)")
            return
        }
        // A moto of this test's own, to stop without disturbing the others.
        let port = try TestPorts.free()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("moto-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let moto = try ChildProcess(
            executable: "/usr/bin/env", arguments: ["moto_server", "-H", "127.0.0.1", "-p", "\(port)"],
            environment: ProcessInfo.processInfo.environment, logPath: folder + "/moto.log")
        defer { moto.killNow() }
        let endpoint = "http://127.0.0.1:\(port)"
        let sqs = Self.client(endpoint: endpoint)
        try await waitUntil("moto to answer", timeout: .seconds(30)) {
            (try? await sqs.createQueue(named: "probe")) != nil
        }
        let (queue, _) = try await Self.makeQueues(sqs, name: "outage")
        try await Deployment.with(settings: Self.settings(endpoint: endpoint, queue: queue)) { deployment in
            try await deployment.migrate()
            try await deployment.serve()
            _ = try deployment.start("worker")
            var ids: Set<Int64> = []
            for index in 0..<5 {
                let (status, answered) = try await deployment.upload(
                    try TestImages.uniqueJPEG(width: 1200, height: 900, tag: "outage-before-\(index)"),
                    name: "b\(index).jpg")
                #expect(status == 201)
                ids.formUnion(answered)
            }
            // Stopped, not killed: a server that answers nothing, and keeps its messages for when it is back.
            moto.signal(SIGSTOP)
            for index in 0..<15 {
                let (status, answered) = try await deployment.upload(
                    try TestImages.uniqueJPEG(width: 1200, height: 900, tag: "outage-during-\(index)"),
                    name: "d\(index).jpg")
                #expect(status == 201, "an upload while SQS is down still succeeds")
                ids.formUnion(answered)
            }
            #expect(ids.count == 20)
            #expect(try await deployment.count("jobs", where: "sent_at IS NULL") >= 10, "jobs wait in the outbox")
            try await Task.sleep(for: .seconds(3))
            moto.signal(SIGCONT)
            try await waitUntil("every acknowledged photo ready", timeout: .seconds(240)) {
                try await deployment.count("photos", where: "status = 'ready'") == 20
            }
            #expect(try await deployment.count("jobs", where: "sent_at IS NULL") == 0)
        }
    }

    @Test("a poison image goes to the dead-letter queue, the photo shows why, app jobs lists and requeues it")
    func deadLetter() async throws {
        guard let endpoint = Self.endpoint else {
            print("skipped: MEMORIES_TEST_S3_ENDPOINT not set (scripts/test starts moto)")
            return
        }
        let sqs = Self.client(endpoint: endpoint)
        let (queue, deadLetters) = try await Self.makeQueues(sqs, name: "poison-\(UUID().uuidString.prefix(8))")
        try await Deployment.with(settings: Self.settings(endpoint: endpoint, queue: queue)) { deployment in
            try await deployment.migrate()
            try await deployment.serve()
            _ = try deployment.start("worker")
            let whole = try TestImages.uniqueJPEG(width: 800, height: 600, tag: "sqs-poison")
            let (status, ids) = try await deployment.upload(Array(whole.prefix(whole.count / 2)), name: "cut.jpg")
            #expect(status == 201)
            let id = try #require(ids.first)
            try await waitUntil("the poison photo to fail", timeout: .seconds(60)) {
                try await deployment.count("photos", where: "id = \(id) AND status = 'failed' AND error <> ''") == 1
            }
            try await waitUntil("its dead letter", timeout: .seconds(30)) {
                let attributes = try await sqs.attributes(of: deadLetters)
                return attributes["ApproximateNumberOfMessages"] == "1"
            }
            let (listed, listing) = try await deployment.runCommand(["jobs"])
            #expect(listed == 0)
            #expect(listing.contains("dead letters: 1"), "\(listing)")
            #expect(listing.contains("photo \(id)"), "\(listing)")

            let (retried, output) = try await deployment.runCommand(["jobs", "retry", "--failed"])
            #expect(retried == 0 && output.contains("put back 1 failed job"), "\(output)")
            // Sent again by the relay, failed again (the file is still cut short), one dead letter again.
            try await waitUntil("the requeued job to be sent and fail again", timeout: .seconds(60)) {
                try await deployment.count("jobs", where: "state = 'failed' AND sends = 2") == 1
            }
            try await waitUntil("one dead letter, not two", timeout: .seconds(30)) {
                try await sqs.attributes(of: deadLetters)["ApproximateNumberOfMessages"] == "1"
            }
        }
    }

    @Test("app check names a missing queue, refused keys and a missing URL in one line each")
    func checkErrors() async throws {
        guard let endpoint = Self.endpoint,
            let authEndpoint = ProcessInfo.processInfo.environment["MEMORIES_TEST_S3_AUTH_ENDPOINT"],
            let key = ProcessInfo.processInfo.environment["MEMORIES_TEST_S3_AUTH_KEY_ID"]
        else {
            print("skipped: MEMORIES_TEST_S3_ENDPOINT/…_AUTH_ENDPOINT not set (scripts/test starts moto --auth)")
            return
        }
        let sqs = Self.client(endpoint: endpoint)
        let (queue, _) = try await Self.makeQueues(sqs, name: "check-\(UUID().uuidString.prefix(8))")
        try await Deployment.with(settings: Self.settings(endpoint: endpoint, queue: queue)) { deployment in
            try await deployment.migrate()
            let (good, goodOutput) = try await deployment.runCommand(["check"])
            #expect(goodOutput.contains("check queue: ok (sqs: reachable, dead letters to"), "\(goodOutput)")
            _ = good
            let missing = queue.replacingOccurrences(of: "check-", with: "absent-")
            let (_, missingOutput) = try await deployment.runCommand(["check"], settings: ["SQS_QUEUE_URL": missing])
            #expect(
                missingOutput.contains("check queue: FAILED: SQS_QUEUE_URL: no such queue"), "\(missingOutput)")
            let (_, keysOutput) = try await deployment.runCommand(
                ["check"],
                settings: [
                    "SQS_ENDPOINT": authEndpoint, "AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": "wrong",
                    "SQS_QUEUE_URL": authEndpoint + "/123456789012/anything",
                ])
            #expect(
                keysOutput.contains(
                    "check queue: FAILED: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY: SQS refused the credentials"),
                "\(keysOutput)")
            let (status, unset) = try await deployment.runCommand(["serve"], settings: ["SQS_QUEUE_URL": ""])
            #expect(status != 0)
            #expect(unset.contains("SQS_QUEUE_URL: expected the queue's URL"), "\(unset)")
        }
    }
}
