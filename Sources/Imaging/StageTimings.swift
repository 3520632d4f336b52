/// How long each stage of one pipeline run took, so callers can record them (the worker's metrics)
/// without Imaging depending on a metrics library.
public struct StageTimings: Sendable, Equatable {
    /// Reading the header and decoding (at the chosen DCT scale).
    public var decode: Duration = .zero
    /// Resampling to the display and thumbnail sizes, and orienting.
    public var resample: Duration = .zero
    /// Encoding both outputs.
    public var encode: Duration = .zero

    public init(decode: Duration = .zero, resample: Duration = .zero, encode: Duration = .zero) {
        self.decode = decode
        self.resample = resample
        self.encode = encode
    }
}
