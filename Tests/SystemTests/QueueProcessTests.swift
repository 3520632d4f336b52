import Foundation
import MemoriesTestSupport
import Testing

/// The durable queue as operators meet it: `app serve` and `app worker` processes on a real PostgreSQL, killed,
/// stopped and retried. Each test has its own database, media folder and port.
@Suite("Queue across processes (PostgreSQL)")
struct QueueProcessTests {
    /// Photos big enough that a job takes a while in a debug build (a few hundred milliseconds)…
    static func slowPhoto(_ tag: String) throws -> [UInt8] {
        try TestImages.uniqueJPEG(width: 3000, height: 2000, tag: tag)
    }

    /// …and enough of them that a worker is busy for seconds, so the test sees it holding jobs before it signals.
    static let busyBatch = 16

    @Test("two workers and 40 uploads: every photo is processed exactly once, to completion")
    func twoWorkers() async throws {
        try await Deployment.with(settings: ["WORKER_CONCURRENCY": "2"]) { deployment in
            try await deployment.migrate()
            try await deployment.serve()
            let first = try deployment.start("worker")
            let second = try deployment.start("worker")
            var ids: Set<Int64> = []
            for index in 0..<40 {
                let (status, answered) = try await deployment.upload(
                    try TestImages.uniqueJPEG(width: 1200, height: 900, tag: "two-workers-\(index)"),
                    name: "\(index).jpg")
                #expect(status == 201)
                ids.formUnion(answered)
            }
            #expect(ids.count == 40)
            try await waitUntil("40 photos ready", timeout: .seconds(240)) {
                try await deployment.count("photos", where: "status = 'ready'") == 40
            }
            #expect(try await deployment.count("jobs") == 40)
            #expect(try await deployment.count("jobs", where: "state = 'done' AND attempts = 1") == 40)
            let doneByFirst = first.log.components(separatedBy: "job done").count - 1
            let doneBySecond = second.log.components(separatedBy: "job done").count - 1
            #expect(doneByFirst + doneBySecond == 40, "each job done once: \(doneByFirst) + \(doneBySecond)")
            #expect(doneByFirst > 0 && doneBySecond > 0, "both workers took jobs: \(doneByFirst) and \(doneBySecond)")
        }
    }

    @Test("a worker killed with SIGKILL while holding jobs loses none: another finishes them after the lease")
    func killedWorker() async throws {
        try await Deployment.with(settings: ["JOB_LEASE_SECONDS": "3", "WORKER_CONCURRENCY": "2"]) { deployment in
            try await deployment.migrate()
            try await deployment.serve()
            for index in 0..<Self.busyBatch {
                #expect(
                    try await deployment.upload(try Self.slowPhoto("kill-\(index)"), name: "\(index).jpg").status == 201
                )
            }
            let doomed = try deployment.start("worker")
            try await waitUntil("the first worker to hold jobs") {
                try await deployment.count("jobs", where: "state = 'running'") > 0
            }
            doomed.signal(SIGKILL)
            try await doomed.waitForExit(timeout: .seconds(10))
            // A dead worker updates nothing: what is running now is exactly what it held.
            let held = try await deployment.ids("SELECT id FROM jobs WHERE state = 'running' ORDER BY id")
            #expect(!held.isEmpty)
            _ = try deployment.start("worker")
            try await waitUntil("every photo ready", timeout: .seconds(240)) {
                try await deployment.count("photos", where: "status = 'ready'") == Self.busyBatch
            }
            #expect(try await deployment.count("jobs", where: "state <> 'done'") == 0)
            let list = held.map(String.init).joined(separator: ",")
            // Counted when claimed: the killed attempt and the one that finished.
            #expect(try await deployment.count("jobs", where: "id IN (\(list)) AND attempts = 2") == held.count)
        }
    }

    @Test("SIGTERM drains: jobs in flight finish, none is claimed after, and the worker exits 0")
    func gracefulDrain() async throws {
        try await Deployment.with(settings: ["SHUTDOWN_GRACE_SECONDS": "120", "WORKER_CONCURRENCY": "1"]) {
            deployment in
            try await deployment.migrate()
            try await deployment.serve()
            for index in 0..<Self.busyBatch {
                #expect(
                    try await deployment.upload(try Self.slowPhoto("drain-\(index)"), name: "\(index).jpg").status
                        == 201)
            }
            let worker = try deployment.start("worker")
            try await waitUntil("the worker to hold a job") {
                try await deployment.count("jobs", where: "state = 'running'") > 0
            }
            worker.signal(SIGTERM)
            #expect(try await worker.waitForExit(timeout: .seconds(120)) == 0)
            #expect(worker.log.contains("worker stopped"))
            #expect(try await deployment.count("jobs", where: "state = 'running'") == 0)
            let done = try await deployment.count("jobs", where: "state = 'done'")
            #expect(done >= 1)
            // The rest were never claimed after the signal: waiting, first attempt still to come.
            #expect(
                try await deployment.count("jobs", where: "state = 'available' AND attempts = 0") == Self.busyBatch
                    - done)
            #expect(try await deployment.count("photos", where: "status = 'ready'") == done)
        }
    }

    @Test("SIGTERM past the grace period releases held jobs at once, uncounted, and exits 0")
    func releaseAfterGrace() async throws {
        try await Deployment.with(settings: ["SHUTDOWN_GRACE_SECONDS": "0", "WORKER_CONCURRENCY": "2"]) { deployment in
            try await deployment.migrate()
            try await deployment.serve()
            for index in 0..<Self.busyBatch {
                #expect(
                    try await deployment.upload(try Self.slowPhoto("release-\(index)"), name: "\(index).jpg").status
                        == 201)
            }
            let worker = try deployment.start("worker")
            try await waitUntil("the worker to hold a job") {
                try await deployment.count("jobs", where: "state = 'running'") > 0
            }
            worker.signal(SIGTERM)
            #expect(try await worker.waitForExit(timeout: .seconds(60)) == 0)
            #expect(worker.log.contains("job released at shutdown"))
            #expect(try await deployment.count("jobs", where: "state = 'running'") == 0)
            #expect(try await deployment.count("jobs", where: "state = 'available' AND attempts > 0") == 0)
            // Released jobs are runnable now, not after a lease: a new worker finishes everything.
            _ = try deployment.start("worker")
            try await waitUntil("every photo ready", timeout: .seconds(240)) {
                try await deployment.count("photos", where: "status = 'ready'") == Self.busyBatch
            }
        }
    }

    @Test("serve and worker refuse a database that is behind, naming app migrate; migrate is idempotent")
    func refuseUnmigrated() async throws {
        try await Deployment.with { deployment in
            for role in ["serve", "worker"] {
                let (status, output) = try await deployment.runCommand([role])
                #expect(status != 0)
                #expect(output.contains("app migrate"), "\(role) said: \(output)")
            }
            let (first, firstOutput) = try await deployment.runCommand(["migrate"])
            #expect(first == 0 && firstOutput.contains("applied 0001_init"))
            let (second, secondOutput) = try await deployment.runCommand(["migrate"])
            #expect(second == 0 && secondOutput.contains("current"))
        }
    }

    @Test("app jobs shows depth and failed jobs with reasons; app jobs retry puts them back")
    func jobsCommand() async throws {
        try await Deployment.with { deployment in
            try await deployment.migrate()
            try await deployment.serve()
            _ = try deployment.start("worker")
            let whole = try TestImages.uniqueJPEG(width: 800, height: 600, tag: "truncated")
            let (status, ids) = try await deployment.upload(Array(whole.prefix(whole.count / 2)), name: "cut.jpg")
            #expect(status == 201)
            let id = try #require(ids.first)
            try await waitUntil("the truncated photo to fail") {
                try await deployment.count("photos", where: "id = \(id) AND status = 'failed'") == 1
            }
            let (listed, listing) = try await deployment.runCommand(["jobs"])
            #expect(listed == 0)
            #expect(listing.contains("failed 1"), "\(listing)")
            #expect(listing.contains("photo \(id)"), "\(listing)")
            let reason =
                try await deployment.database.database.query("SELECT error FROM photos WHERE id = \(id)")
                .first?.decode(String.self) ?? "?"
            #expect(listing.contains(reason), "the reason '\(reason)' in: \(listing)")

            let (retried, retryOutput) = try await deployment.runCommand(["jobs", "retry", "--failed"])
            #expect(retried == 0 && retryOutput.contains("put back 1 failed job"), "\(retryOutput)")
            // It runs again (and fails again: the file is still cut short), its attempts counted afresh. The retry
            // has already made it available with no attempts, so failed with one attempt can only be the new run.
            try await waitUntil("the retried job to fail again") {
                try await deployment.count("jobs", where: "state = 'failed' AND attempts = 1") == 1
            }
            #expect(try await deployment.count("photos", where: "id = \(id) AND status = 'failed'") == 1)
            let (unknown, unknownOutput) = try await deployment.runCommand(["jobs", "retry", "999999"])
            #expect(unknown != 0 && unknownOutput.contains("named no failed job"), "\(unknownOutput)")
        }
    }
}
