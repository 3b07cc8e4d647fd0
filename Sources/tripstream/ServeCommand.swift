import ArgumentParser
import Foundation
import Logging
import TripCore
import TripHTTP

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a SQLite mirror read-only over HTTP: dashboard, /api/v1 queries, /healthz, /metrics.",
        discussion: """
        Reads the mirror that replay or run wrote (while they run, or after), never writes it. \
        Endpoints: / (live dashboard, self-contained, refreshes itself), /healthz and /api/v1/status \
        (progress as JSON), /metrics (Prometheus text), /api/v1/queries/NAME?from=&to=&top=&final=&order=&\
        limit=&offset=&format=json|csv&tenant=. Runs until SIGINT/SIGTERM.
        """)

    @Option(name: .long, help: "SQLite mirror to serve.")
    var db = "tripstream.sqlite"

    @Option(name: .long, help: "Tenant whose rows to serve by default (the API takes ?tenant= too).")
    var tenant = TripstreamConfig.defaultTenant

    @OptionGroup var http: HTTPServeOptions

    @Option(name: .long, help: "Log level.")
    var logLevel: Logger.Level = .info

    func run() throws {
        let logger = bootstrapLogging(logLevel)
        _ = try TripstreamConfig.validTenant(tenant, key: "--tenant")
        guard FileManager.default.fileExists(atPath: db) else {
            throw ValidationError("no mirror at \(db): run tripstream replay first, or pass --db")
        }
        let options = try http.options(defaultAddress: "127.0.0.1:9464")!
        catchStopSignals()  // before "serving" is printed: a stop right after it must be clean
        let registry = HTTPServer.bootstrapMetrics()
        let server = try HTTPServer.start(options, serving: ServedMirror(path: db, tenant: tenant, mode: "serve",
                                                                         telemetry: nil, registry: registry),
                                          logger: logger)
        FileHandle.standardOutput.write(Data("serving \(db) (tenant \(tenant)) on \(server.url)\n".utf8))
        waitForStopSignal()
        server.stop()
    }
}
