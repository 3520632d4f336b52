import Web

/// The abuse limits of the HTTP side and where metrics are served (MAX_CONCURRENT_UPLOADS, HEADER_TIMEOUT_SECONDS,
/// BODY_TIMEOUT_SECONDS, METRICS_PORT).
package struct ConnectionLimits: Sendable {
    package var maxConcurrentUploads: Int
    package var headerTimeout: Duration
    package var bodyTimeout: Duration
    /// Nil serves `/metrics` on the main port (and not at all from `app worker`).
    package var metricsPort: Int?

    package var summary: [(String, String)] {
        [
            ("MAX_CONCURRENT_UPLOADS", String(maxConcurrentUploads)),
            ("HEADER_TIMEOUT_SECONDS", String(headerTimeout.components.seconds)),
            ("BODY_TIMEOUT_SECONDS", String(bodyTimeout.components.seconds)),
            ("METRICS_PORT", metricsPort.map(String.init) ?? "(main port)"),
        ]
    }
}

extension SettingReader {
    package mutating func connectionLimits(_ settings: Settings) -> ConnectionLimits {
        let metricsText = settings.listen?.metricsPort ?? environment["METRICS_PORT"]
        var metricsPort: Int?
        if let metricsText, !metricsText.isEmpty {
            metricsPort = integer(metricsText, "METRICS_PORT", default: 0, range: 1...65535)
        }
        return ConnectionLimits(
            maxConcurrentUploads: integer(
                settings.server?.maxConcurrentUploads, "MAX_CONCURRENT_UPLOADS", default: 64, range: 1...100_000),
            headerTimeout: .seconds(
                integer(settings.server?.headerTimeout, "HEADER_TIMEOUT_SECONDS", default: 10, range: 1...3600)),
            bodyTimeout: .seconds(
                integer(settings.server?.bodyTimeout, "BODY_TIMEOUT_SECONDS", default: 30, range: 1...3600)),
            metricsPort: metricsPort)
    }
}

extension WebConfiguration {
    /// This configuration with the connection limits and the media origin pages may load images from.
    package func limited(by limits: ConnectionLimits, mediaOrigin: String?) -> WebConfiguration {
        var configuration = self
        configuration.maxConcurrentUploads = limits.maxConcurrentUploads
        configuration.headerTimeout = limits.headerTimeout
        configuration.bodyTimeout = limits.bodyTimeout
        configuration.serveMetrics = limits.metricsPort == nil
        configuration.mediaOrigins = mediaOrigin.map { [$0] } ?? []
        return configuration
    }
}
