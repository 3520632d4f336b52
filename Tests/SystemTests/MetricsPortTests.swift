import AsyncHTTPClient
import Foundation
import MemoriesTestSupport
import NIOCore
import Testing

/// `METRICS_PORT`: `/metrics` on its own listener for `app serve` and `app worker`, and not on the main port.
@Suite("Metrics on their own port (PostgreSQL)")
struct MetricsPortTests {
    static func scrape(_ port: Int) async throws -> (status: Int, body: String) {
        let request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/metrics")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let body = try await response.body.collect(upTo: 1 << 24)
        return (Int(response.status.code), String(buffer: body))
    }

    @Test("serve and worker each expose /metrics on METRICS_PORT, with the queue depth counted at scrape time")
    func separateListeners() async throws {
        try await Deployment.with(settings: [:]) { deployment in
            try await deployment.migrate()
            let serveMetrics = try TestPorts.free()
            try await deployment.serve(settings: ["METRICS_PORT": String(serveMetrics)])
            #expect(try await deployment.get("/metrics").status == 404)
            #expect(
                try await deployment.upload(
                    try TestImages.uniqueJPEG(width: 64, height: 48, tag: "metrics-port"), name: "m.jpg"
                ).status == 201)
            let served = try await Self.scrape(serveMetrics)
            #expect(served.status == 200)
            #expect(served.body.contains("memories_jobs_queue_depth{state=\"available\"} 1"))
            #expect(
                served.body.contains("memories_http_requests_total{route=\"/photos\",method=\"POST\",status=\"201\"} 1")
            )
            let workerMetrics = try TestPorts.free()
            let worker = try deployment.start("worker", settings: ["METRICS_PORT": String(workerMetrics)])
            try await waitUntil("the photo to be ready", timeout: .seconds(120)) {
                guard worker.isRunning else { throw SystemTestError("app worker exited:\n\(worker.log)") }
                return try await deployment.count("photos", where: "status = 'ready'") == 1
            }
            let fromWorker = try await Self.scrape(workerMetrics)
            #expect(fromWorker.status == 200)
            #expect(fromWorker.body.contains("memories_jobs_total{kind=\"thumbnail\",outcome=\"done\"} 1"))
            #expect(fromWorker.body.contains("memories_thumbnail_stage_seconds_count{stage=\"decode\"} 1"))
            #expect(fromWorker.body.contains("memories_jobs_queue_depth{state=\"done\"} 1"))
        }
    }
}
