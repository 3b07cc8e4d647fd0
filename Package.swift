// swift-tools-version:6.0
import PackageDescription

// One module per pipeline stage; C libraries each behind one small wrapper.
// Sources → Parsing → Engine → Sinks, orchestrated by Pipeline, driven by the CLI.
let package = Package(
    name: "tripstream",
    products: [
        .executable(name: "tripstream", targets: ["tripstream"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.1.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.70.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.20.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
    ],
    targets: [
        // C: system SQLite (Debian libsqlite3-dev), wrapped by TripSQLite.
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"])]),
        .target(name: "TripSQLite", dependencies: ["CSQLite"]),
        // C: LMDB (Debian liblmdb-dev), wrapped by TripLMDB.
        .systemLibrary(name: "CLMDB", path: "Sources/CLMDB", pkgConfig: "lmdb", providers: [.apt(["liblmdb-dev"])]),
        .target(name: "TripLMDB", dependencies: ["CLMDB"]),
        // C: librdkafka (Debian librdkafka-dev), wrapped by TripKafka.
        .systemLibrary(name: "CRdKafka", path: "Sources/CRdKafka", pkgConfig: "rdkafka", providers: [.apt(["librdkafka-dev"])]),
        .target(name: "TripKafka", dependencies: ["CRdKafka", "TripCore"]),

        // Value types shared by every stage: trips, time, windows, configuration; the process clock.
        .target(name: "TripCore"),
        // C: the tokenizer's 64-byte classifier (SSE2 compares + movemask; a byte loop off x86).
        .target(name: "CCSVScan"),
        // Streaming SQL → analytic values: lexer, parser, analyzer (errors at line:column), the four built-ins.
        .target(name: "TripSQL", dependencies: ["TripCore"]),
        // Byte-level CSV tokenizer and the trip decoder (portal quirks, dead-letter reasons).
        .target(name: "TripParsing", dependencies: ["TripCore", "CCSVScan"]),
        // Record sources: chunked file/stdin reader with byte offsets; external sort by event time; a Kafka
        // message's decoding and the cut rule of `run`'s epochs (pure: no Kafka client here).
        .target(name: "TripSources", dependencies: ["TripCore", "TripParsing"]),
        // The deterministic epoch engine: (state, epoch rows) → (state, result changes).
        .target(name: "TripEngine", dependencies: ["TripCore", "TripSQL"]),
        // Checkpoints in LMDB: epoch, source position (a case per source), engine state, fingerprint; sort progress.
        .target(name: "TripCheckpoint", dependencies: ["TripCore", "TripLMDB"]),
        // Result sinks: the SQLite mirror; the bytes of the Kafka result and dead-letter messages (no Kafka
        // client here: the producer is the pipeline's, so HTTP and the fuzz targets need no librdkafka).
        .target(name: "TripSinks", dependencies: ["TripCore", "TripEngine", "TripSQLite", "TripSQL"]),
        // Beside the pipeline: swift-metrics instruments and live status it reports once per epoch; process figures.
        .target(name: "TripTelemetry", dependencies: [
            "TripCore", "TripEngine",
            .product(name: "Metrics", package: "swift-metrics"),
        ]),
        // Orchestration: source → decoder → engine → sinks, epoch by epoch. The adapters that make a reader,
        // the Kafka consumer or producer, or the mirror an `EpochSource`/`EpochSink` stay here, in Sources/ and
        // Sinks/ (the result topics' writer beside the jobs; the coordinator in Commit/): those protocols speak
        // of the engine and the checkpoint (LMDB), and the adapters of Kafka, which TripSources and TripSinks
        // (and so TripHTTP) need not depend on.
        .target(name: "TripPipeline", dependencies: [
            "TripCore", "TripParsing", "TripSources", "TripEngine", "TripSinks", "TripCheckpoint", "TripKafka",
            "TripTelemetry", "TripSQL",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // HTTP: status, Prometheus metrics, the query API and the dashboard page (Hummingbird 2).
        .target(name: "TripHTTP", dependencies: [
            "TripCore", "TripSinks", "TripSQLite", "TripTelemetry",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Logging", package: "swift-log"),
        ], resources: [.embedInCode("Dashboard/dashboard.html")]),
        // Operator tools beside the pipeline: `produce` (CSV → ingest topic), the tenant's topic plan, the Cassandra
        // schema and Kafka Connect sink configuration for the result topics; a child-process runner (the bench's
        // children, and the CLI tests' curl and kcat: product code, so not in TripTesting).
        .target(name: "TripTools", dependencies: ["TripCore", "TripParsing", "TripSources", "TripKafka"]),
        // The benchmark suite behind `tripstream bench`: scenarios over the pipeline, each in a child process.
        .target(name: "TripBench", dependencies: [
            "TripCore", "TripParsing", "TripSources", "TripKafka", "TripPipeline", "TripTelemetry", "TripTools",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Seeded generator of realistic portal-format rows (fixtures, tests, benchmarks).
        .target(name: "TripFixtures", dependencies: ["TripCore"]),
        // Test support only (no product depends on it): scratch directories, generated input, the mock cluster,
        // the independent SQL computation of every query's results.
        .target(name: "TripTesting", dependencies: ["TripCore", "TripFixtures", "TripKafka", "TripSQLite"]),
        // The CLI on top of it all: one ArgumentParser command per file.
        .executableTarget(name: "tripstream", dependencies: [
            "TripCore", "TripParsing", "TripSources", "TripEngine", "TripSinks", "TripPipeline", "TripTelemetry",
            "TripFixtures", "TripSQLite", "TripKafka", "TripHTTP", "TripBench", "TripTools", "TripSQL",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        .testTarget(name: "TripCoreTests", dependencies: ["TripCore"]),
        .testTarget(name: "TripParsingTests", dependencies: ["TripCore", "TripParsing", "TripFixtures"]),
        .testTarget(name: "TripSourcesTests", dependencies: ["TripCore", "TripParsing", "TripSources", "TripFixtures", "TripTesting"]),
        .testTarget(name: "TripEngineTests", dependencies: ["TripCore", "TripEngine", "TripSQL", "TripFixtures"]),
        .testTarget(name: "TripSQLTests", dependencies: ["TripCore", "TripSQL", "TripSinks", "TripSQLite", "TripFixtures"]),
        .testTarget(name: "TripKafkaTests", dependencies: ["TripKafka", "TripCore"]),
        .testTarget(name: "TripLMDBTests", dependencies: ["TripLMDB", "TripTesting"]),
        .testTarget(name: "TripCheckpointTests", dependencies: ["TripCore", "TripLMDB", "TripCheckpoint", "TripTesting"]),
        .testTarget(name: "TripSinksTests", dependencies: ["TripCore", "TripEngine", "TripSinks", "TripSQL", "TripSQLite", "TripTesting"]),
        .testTarget(name: "TripTelemetryTests", dependencies: [
            "TripCore", "TripEngine", "TripTelemetry",
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "MetricsTestKit", package: "swift-metrics"),
        ]),
        .testTarget(name: "TripPipelineTests", dependencies: [
            "TripCore", "TripParsing", "TripEngine", "TripSinks", "TripCheckpoint", "TripPipeline", "TripTesting",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "TripHTTPTests", dependencies: [
            "TripCore", "TripSinks", "TripSQLite", "TripTelemetry", "TripHTTP",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "MetricsTestKit", package: "swift-metrics"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The Cassandra stage is checked against the messages of the result topics' sink (TripPipeline).
        .testTarget(name: "TripToolsTests", dependencies: [
            "TripCore", "TripEngine", "TripKafka", "TripPipeline", "TripSinks", "TripSQL", "TripTesting", "TripTools",
        ]),
        // Runs the built `tripstream` binary as a user would (exit codes, messages, stdin, the fixture).
        .testTarget(name: "CLITests", dependencies: [
            "tripstream", "TripFixtures", "TripSQLite", "TripSinks", "TripKafka", "TripPipeline", "TripTesting", "TripTools",
            "TripCore", "TripSQL",
        ]),
        .testTarget(name: "EndToEndTests", dependencies: [
            "TripCore", "TripParsing", "TripSources", "TripEngine", "TripSinks", "TripPipeline",
            "TripFixtures", "TripSQLite", "TripKafka", "TripCheckpoint", "TripTesting", "TripTools",
        ]),
    ]
)
