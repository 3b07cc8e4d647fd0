import ArgumentParser
import Foundation
import Logging
import TripCore
import TripHTTP
import TripPipeline
import TripTelemetry

/// `--http` and its token, shared by replay, run and serve.
struct HTTPServeOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Serve the dashboard, /healthz, /metrics and /api/v1 on HOST:PORT (default host 127.0.0.1; port 0 picks one). Off by default.", valueName: "host:port"))
    var http: String?

    @Option(name: .long, help: ArgumentHelp("Bearer token the HTTP server requires (all but /healthz). Needed when --http binds a non-loopback address; also read from TRIPSTREAM_HTTP_TOKEN.", valueName: "token"))
    var httpToken: String?

    @Option(name: .long, help: ArgumentHelp("Read the bearer token from this file (first line).", valueName: "file"))
    var httpTokenFile: String?

    func options(defaultAddress: String? = nil) throws -> HTTPOptions? {
        guard let address = http ?? defaultAddress else { return nil }
        var token = httpToken ?? ProcessInfo.processInfo.environment["TRIPSTREAM_HTTP_TOKEN"]
        if let httpTokenFile {
            guard let text = try? String(contentsOfFile: httpTokenFile, encoding: .utf8) else {
                throw ValidationError("cannot read --http-token-file \(httpTokenFile)")
            }
            // The first line, without surrounding white space (a CRLF file or a trailing blank is not part of it).
            token = text.split(whereSeparator: \.isNewline).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            if token?.isEmpty != false { throw ValidationError("--http-token-file \(httpTokenFile) is empty") }
        }
        do { return try HTTPOptions.parse(address, token: token) } catch {
            throw ValidationError("\(error)")
        }
    }

    /// Starts the server for a pipeline writing `database`, with metrics bootstrapped first so the pipeline's
    /// telemetry reports to /metrics. Nil (and no telemetry) without --http.
    func start(mode: String, database: String, config: TripstreamConfig, source: String, logger: Logger) throws
        -> (server: HTTPServer, telemetry: PipelineTelemetry)? {
        guard let options = try options() else { return nil }
        let registry = HTTPServer.bootstrapMetrics()
        let tenant = config.tenant
        let telemetry = PipelineTelemetry(tenant: tenant, mode: mode, source: source,
                                          sqlQueries: config.userQueries.filter(\.enabled).map(\.name))
        let server = try HTTPServer.start(options, serving: ServedMirror(path: database, tenant: tenant, mode: mode,
                                                                         telemetry: telemetry, registry: registry),
                                          logger: logger)
        logger.notice("serving \(server.url) (dashboard), \(server.url)metrics, \(server.url)api/v1/queries/<name>")
        return (server, telemetry)
    }
}

/// From now on SIGINT/SIGTERM set `stopRequested` instead of ending the process (also unblocking them: a parent
/// may have left them blocked in the mask we inherit, and a service must hear its stop signals).
func catchStopSignals() {
    var stopSignals = sigset_t()
    sigemptyset(&stopSignals)
    sigaddset(&stopSignals, SIGINT)
    sigaddset(&stopSignals, SIGTERM)
    pthread_sigmask(SIG_UNBLOCK, &stopSignals, nil)
    signal(SIGINT) { _ in stopRequested = 1 }
    signal(SIGTERM) { _ in stopRequested = 1 }
}

/// Blocks until SIGINT or SIGTERM arrived (after `catchStopSignals`).
func waitForStopSignal() {
    while stopRequested == 0 { usleep(50_000) }
}
