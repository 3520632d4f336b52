import Foundation

/// OpenTelemetry traces (issue 25), read from the standard OpenTelemetry variables: on when an OTLP endpoint is
/// set, exported over OTLP/HTTP with protobuf; off otherwise, with the no-op tracer, so an untraced process pays
/// nothing. `app` bootstraps the exporter from this; the libraries only make spans.
package struct TracingSettings: Sendable, Equatable {
    /// `OTEL_EXPORTER_OTLP_ENDPOINT`: the collector's base URL (`/v1/traces` is appended), if set.
    package var endpoint: String?
    /// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`: the full traces URL, used as it is; wins over `endpoint`.
    package var tracesEndpoint: String?
    /// `OTEL_SERVICE_NAME`; nil: the role's own (`memories-serve`, `memories-worker`, `memories-dev`).
    package var serviceName: String?

    /// Whether spans are exported at all.
    package var enabled: Bool { endpoint != nil || tracesEndpoint != nil }

    /// The service name a role reports: `OTEL_SERVICE_NAME`, else `memories-<command>` (`app serve` →
    /// `memories-serve`).
    package func serviceName(role: String) -> String {
        if let serviceName { return serviceName }
        let command = role.split(separator: " ").dropFirst().first.map(String.init) ?? role
        return "memories-\(command)"
    }

    /// How `app check` shows it.
    package var description: String {
        guard enabled else { return "off" }
        return "OTLP/HTTP protobuf to \(tracesEndpoint ?? endpoint ?? "")"
    }
}

extension SettingReader {
    /// The tracing settings from the environment (no flags: these are the OpenTelemetry SDKs' standard variables,
    /// which swift-otel itself also reads). Only OTLP over HTTP with protobuf is built in.
    package mutating func tracingSettings() -> TracingSettings {
        func nonEmpty(_ name: String) -> String? {
            guard let value = environment[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else {
                return nil
            }
            return value
        }
        var settings = TracingSettings(
            endpoint: nonEmpty("OTEL_EXPORTER_OTLP_ENDPOINT"),
            tracesEndpoint: nonEmpty("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"),
            serviceName: nonEmpty("OTEL_SERVICE_NAME"))
        for name in ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] {
            if let url = nonEmpty(name), !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
                problems.append("\(name): expected an http:// or https:// URL; got '\(url)'")
            }
        }
        for name in ["OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"] {
            if let value = nonEmpty(name), value != "http/protobuf" {
                problems.append("\(name): expected http/protobuf (the only OTLP protocol built in); got '\(value)'")
            }
        }
        // The SDK's own switch: with it the exporter is never started.
        if let disabled = nonEmpty("OTEL_SDK_DISABLED"), ["true", "1"].contains(disabled.lowercased()) {
            settings.endpoint = nil
            settings.tracesEndpoint = nil
        }
        return settings
    }
}
