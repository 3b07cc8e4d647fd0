import Dispatch
import Hummingbird
import Logging
import Metrics
import NIOCore
import Prometheus
import ServiceLifecycle
import Synchronization

/// The HTTP server of `replay --http`, `run --http` and `serve`, running on its own event loops beside the
/// synchronous pipeline. `start` returns once the socket is bound (or throws why it is not); `stop` shuts
/// it down gracefully (in-flight requests finish).
public final class HTTPServer: Sendable {
    /// The port actually bound (useful with port 0).
    public let port: Int
    public let host: String
    private let group: ServiceGroup
    private let finished: DispatchSemaphore

    /// Makes swift-metrics report to a Prometheus registry that `/metrics` exports. Call once per process,
    /// before any pipeline telemetry is created (instruments bind to the backend at creation).
    public static func bootstrapMetrics() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
            .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
        ]
        MetricsSystem.bootstrap(factory)
        return registry
    }

    public static func start(_ options: HTTPOptions, serving served: ServedMirror, logger: Logger) throws -> HTTPServer {
        let bound = Mutex<Result<Int, any Error>?>(nil)
        let ready = DispatchSemaphore(value: 0)
        let app = Application(
            router: TripstreamRouter.build(served, token: options.token),
            // An idle or stalled client must not hold the server open: it would keep a stop waiting.
            server: .http1(configuration: .init(additionalChannelHandlers: [ProtocolErrorResponder()], idleTimeout: .seconds(30))),
            configuration: .init(address: .hostname(options.host, port: options.port), serverName: "tripstream"),
            onServerRunning: { channel in
                bound.withLock { $0 = .success(channel.localAddress?.port ?? options.port) }
                ready.signal()
            },
            logger: logger)
        var groupConfiguration = ServiceGroupConfiguration(services: [app], gracefulShutdownSignals: [], logger: logger)
        // In-flight requests get 5 s to finish after a stop; then they are cancelled (and that gets 2 s).
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(5)
        groupConfiguration.maximumCancellationDuration = .seconds(2)
        let group = ServiceGroup(configuration: groupConfiguration)
        let finished = DispatchSemaphore(value: 0)
        Task.detached {
            do { try await group.run() } catch {
                bound.withLock { if $0 == nil { $0 = .failure(error) } }
            }
            // Whatever happened, `start` must not wait for a server that will never run.
            bound.withLock { if $0 == nil { $0 = .failure(HTTPOptionsError("the server stopped before it was running")) } }
            ready.signal()
            finished.signal()
        }
        ready.wait()
        switch bound.withLock({ $0 })! {
        case .failure(let error):
            throw HTTPOptionsError("cannot serve HTTP on \(options.host):\(options.port): \(error)")
        case .success(let port):
            return HTTPServer(port: port, host: options.host, group: group, finished: finished)
        }
    }

    private init(port: Int, host: String, group: ServiceGroup, finished: DispatchSemaphore) {
        self.port = port
        self.host = host
        self.group = group
        self.finished = finished
    }

    public var url: String { "http://\(host.contains(":") ? "[\(host)]" : host):\(port)/" }

    public func stop() {
        let group = self.group
        Task.detached { await group.triggerGracefulShutdown() }
        finished.wait()
    }
}
