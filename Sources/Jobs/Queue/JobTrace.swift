import Instrumentation
import ServiceContextModule
import Tracing

/// A job's place in its upload's trace: the W3C `traceparent` of the span that enqueued it, stored in the job row
/// (and with `QUEUE=sqs` sent as a message attribute), so the worker's spans join the upload's trace.
/// With tracing off (the no-op tracer) nothing is injected and every job's `traceparent` stays nil.
public enum JobTrace {
    /// The name of the W3C header, the SQS message attribute and the carrier key.
    public static let attribute = "traceparent"

    /// The `traceparent` of the current span, if a tracer put one in the task's context.
    public static func currentTraceparent() -> String? {
        guard let context = ServiceContext.current else { return nil }
        var carrier: [String: String] = [:]
        InstrumentationSystem.instrument.inject(context, into: &carrier, using: DictionaryInjector())
        return carrier[attribute]
    }

    /// The context a job's spans start from: the enqueuing span's, or a new trace when the job carries none.
    public static func context(traceparent: String?) -> ServiceContext {
        var context = ServiceContext.topLevel
        if let traceparent {
            InstrumentationSystem.instrument.extract(
                [attribute: traceparent], into: &context, using: DictionaryExtractor())
        }
        return context
    }
}

/// Writes propagation headers into a dictionary.
struct DictionaryInjector: Injector {
    func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) {
        carrier[key] = value
    }
}

/// Reads propagation headers from a dictionary.
struct DictionaryExtractor: Extractor {
    func extract(key: String, from carrier: [String: String]) -> String? { carrier[key] }
}

extension DefaultTracerClock.Instant {
    /// This instant moved on by `duration`: where a span recorded after the fact (a stage the image pipeline timed
    /// on its thread) ends.
    func advanced(by duration: Duration) -> Self {
        Self(nanosecondsSinceEpoch: nanosecondsSinceEpoch + UInt64(max(0, duration.nanoseconds)))
    }
}
