import HTTPTypes
import Hummingbird
import NIOCore
import NIOPosix
import Prometheus
import TripCore
import TripTelemetry
import TripSQLite

/// What the routes serve: one tenant's mirror, and a running pipeline's telemetry when there is one.
public struct ServedMirror: Sendable {
    public var path: String
    public var tenant: String
    /// replay, run or serve: shown in the status.
    public var mode: String
    public var telemetry: PipelineTelemetry?
    public var registry: PrometheusCollectorRegistry

    public init(path: String, tenant: String, mode: String, telemetry: PipelineTelemetry?, registry: PrometheusCollectorRegistry) {
        self.path = path
        self.tenant = tenant
        self.mode = mode
        self.telemetry = telemetry
        self.registry = registry
    }
}

enum TripstreamRouter {
    static func build(_ served: ServedMirror, token: String?) -> Router<BasicRequestContext> {
        // HEAD on every GET route: the GET handler's answer without its body (`HeadMiddleware` does the rest).
        let router = Router(options: .autoGenerateHeadEndpoints)
        router.middlewares.add(HeadMiddleware())
        router.middlewares.add(ErrorMiddleware())
        if let token { router.middlewares.add(TokenMiddleware(token: token)) }
        // Process-wide, so no tenant label.
        let rss = served.registry.makeGauge(
            descriptor: MetricNameDescriptor(namespace: "tripstream", subsystem: "process", metricName: "resident_memory",
                                             unitName: "bytes", helpText: "Resident set size of the process"))

        // With a token, /healthz (open to all) says only whether the server answers; the details need the token.
        router.get("/healthz") { _, _ in
            token == nil ? try await status(served, on: healthPool) : json("{\"status\":\"ok\"}")
        }
        router.get("/api/v1/status") { _, _ in try await status(served, on: .singleton) }
        router.get("/metrics") { _, _ in
            rss.set(Double(Clock.residentBytes()))
            var bytes: [UInt8] = []
            served.registry.emit(into: &bytes)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: MetricHelp.adding(to: bytes))))
        }
        router.get("/api/v1/queries/:name") { request, context in
            let name = context.parameters.get("name") ?? ""
            let parameters = request.uri.queryParameters.map { (String($0.key), String($0.value)) }
            let query = try QueryRequest(name: name, parameters: parameters, defaultTenant: served.tenant)
            let page = try await withMirror(served) { db in try query.page(db) }
            var headers: HTTPFields = [.contentType: query.format == "csv" ? "text/csv; charset=utf-8" : "application/json"]
            if let next = page.nextOffset, let field = HTTPField.Name("X-Next-Offset") { headers[field] = "\(next)" }
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: page.body)))
        }
        router.get("/") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-cache"],
                     body: .init(byteBuffer: ByteBuffer(bytes: PackageResources.dashboard_html)))
        }
        return router
    }

    /// /healthz's own thread: the Docker health check must answer in time while slow API requests occupy every
    /// thread of the shared pool.
    static let healthPool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        return pool
    }()

    static func status(_ served: ServedMirror, on pool: NIOThreadPool) async throws -> Response {
        let body = try await pool.runIfActive {
            // Before the pipeline's first commit there may be no mirror yet: report "starting", not an error.
            let db = try? SQLiteDatabase(path: served.path, readOnly: true)
            func report(_ db: SQLiteDatabase?) throws -> String {
                try StatusReport.json(mirror: db, tenant: served.tenant, mode: served.mode, telemetry: served.telemetry,
                                      nowMs: Clock.wallMilliseconds())
            }
            do { return try report(db) } catch let error as SQLiteError where error.message.contains("no such table") {
                return try report(nil)
            }
        }
        return json(body)
    }

    /// Runs `body` with a read-only connection to the mirror, on NIO's blocking thread pool: SQLite calls block,
    /// and the event loops and the cooperative pool must not.
    static func withMirror<T: Sendable>(_ served: ServedMirror, _ body: @escaping @Sendable (SQLiteDatabase) throws -> T) async throws -> T {
        try await onThreadPool {
            let db: SQLiteDatabase
            do { db = try SQLiteDatabase(path: served.path, readOnly: true) } catch {
                throw HTTPRequestError.unavailable("no mirror at \(served.path) yet")
            }
            try db.execute("BEGIN")  // one snapshot for the whole answer
            defer { try? db.execute("COMMIT") }
            do { return try body(db) } catch let error as SQLiteError where error.message.contains("no such table") {
                throw HTTPRequestError.unavailable("the mirror at \(served.path) has no results yet")
            }
        }
    }

    static func onThreadPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive(body)
    }

    static func json(_ body: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
