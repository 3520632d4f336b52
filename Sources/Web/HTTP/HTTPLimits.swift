import Hummingbird
import HummingbirdCore
import NIOCore

/// The connection-level limits of the HTTP/1 listener: request head sizes (larger heads are refused by the
/// decoder and the connection closed) and the slowloris timeouts of `ConnectionTimeoutHandler`.
enum HTTPLimits {
    /// The longest single header line and all header lines together; browsers send a few kB.
    static let maxHeaderFieldBytes = 16 * 1024
    static let maxHeaderListBytes = 32 * 1024
    static let maxHeaderFieldCount = 100

    /// With `staticFiles`, each connection also gets a ``StaticFileChannelHandler`` after its timeouts.
    static func channelConfiguration(
        _ configuration: WebConfiguration, staticFiles: StaticFileChannelHandler.Services? = nil
    ) -> HTTP1Channel.Configuration {
        let header = TimeAmount(configuration.headerTimeout)
        let body = TimeAmount(configuration.bodyTimeout)
        return HTTP1Channel.Configuration(
            additionalChannelHandlers: [ConnectionTimeoutHandler(headerTimeout: header, bodyTimeout: body)]
                + (staticFiles.map { [StaticFileChannelHandler(services: $0)] } ?? []),
            httpDecoderConfiguration: .init(
                maxHeaderFieldSize: maxHeaderFieldBytes, maxHeaderListSize: maxHeaderListBytes,
                maxHeaderFieldCount: maxHeaderFieldCount))
    }
}
