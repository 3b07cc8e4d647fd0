import Foundation
import Logging
import Testing
import TripCore
import TripFixtures
import TripKafka
import TripPipeline
import TripSinks
import TripSQLite

let quietLogger: Logger = {
    var l = Logger(label: "tests")
    l.logLevel = .critical
    return l
}()

func scratchDirectory() -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tripstream-e2e-\(getpid())-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.path
}

/// A generated CSV file plus what each row stands for.
struct GeneratedFile {
    var path: String
    var truths: [TruthTrip]
    var badLines: [String]
    var rows: Int
}

func generate(_ options: GeneratorOptions, in dir: String, name: String = "trips.csv") throws -> GeneratedFile {
    let generator = try TripGenerator(options: options)
    var text = (options.bom ? "\u{FEFF}" : "") + TripGenerator.header + (options.crlf ? "\r\n" : "\n")
    var truths: [TruthTrip] = []
    var bad: [String] = []
    while let row = generator.next() {
        text += row.line + (options.crlf ? "\r\n" : "\n")
        if let t = row.truth { truths.append(t) } else { bad.append(row.line) }
    }
    let path = "\(dir)/\(name)"
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return GeneratedFile(path: path, truths: truths, badLines: bad, rows: options.rows)
}

/// `rows` generated rows (seed `seed`, a `badFraction` of them bad) in a file in `dir`.
func generate(rows: Int, seed: UInt64, badFraction: Double = 0, in dir: String) throws -> GeneratedFile {
    var options = GeneratorOptions()
    options.rows = rows
    options.seed = seed
    options.badFraction = badFraction
    return try generate(options, in: dir)
}

/// An in-process mock cluster with `tenant`'s topics: ingest with `ingestPartitions`, the others with one each.
func mockCluster(tenant: String, ingestPartitions: Int) throws -> KafkaMockCluster {
    let cluster = try KafkaMockCluster()
    let topics = TopicNames(tenant: tenant)
    try cluster.createTopic(topics.ingest, partitions: ingestPartitions)
    for name in [topics.deadLetters] + QueryName.allCases.map(topics.results) { try cluster.createTopic(name, partitions: 1) }
    return cluster
}

/// Loads the generator's truth rows into a `truth` table: the independent side of end-to-end checks.
func loadTruth(_ truths: [TruthTrip], into db: SQLiteDatabase) throws {
    try db.execute("""
    DROP TABLE IF EXISTS truth;
    CREATE TABLE truth(trip_id TEXT PRIMARY KEY, t INTEGER NOT NULL, day TEXT NOT NULL, fare INTEGER, tips INTEGER,
                       total INTEGER, area INTEGER, location TEXT);
    """)
    try db.transaction {
        let insert = try db.prepare("INSERT INTO truth VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        for t in truths {
            try insert.run([.text(t.tripID), .integer(t.eventTimeSeconds), .text(t.localDay),
                            t.fareCents.map(SQLiteValue.integer) ?? .null, t.tipsCents.map(SQLiteValue.integer) ?? .null,
                            t.tripTotalCents.map(SQLiteValue.integer) ?? .null,
                            t.communityArea.map { .integer(Int64($0)) } ?? .null, t.location.map(SQLiteValue.text) ?? .null])
        }
    }
}

/// Plain SQL GROUP BY over the truth rows, per query, in the mirror's column layout. Rows that the mirror
/// dead-lettered as late for a query are excluded from that query (matched by Trip ID in the raw line).
enum IndependentResults {
    static func excludeLate(_ q: QueryName) -> String {
        "trip_id NOT IN (SELECT substr(raw, 1, 40) FROM dead_letters WHERE query = '\(q.rawValue)')"
    }

    static func sumFare(_ db: SQLiteDatabase, window: Int64) throws -> [String] {
        try lines(db, """
        SELECT t - (t % \(window)) AS ws, t - (t % \(window)) + \(window), SUM(fare) / 100.0, SUM(tips) / 100.0,
               SUM(total) / 100.0, COUNT(*), 1
        FROM truth WHERE \(excludeLate(.sumFareWindow)) GROUP BY ws ORDER BY ws
        """)
    }

    static func tripsTotal(_ db: SQLiteDatabase) throws -> [String] {
        try lines(db, """
        SELECT day, COUNT(*), SUM(fare) / 100.0,
               CASE WHEN COUNT(tips) > 0 THEN ((2 * SUM(tips) + COUNT(tips)) / (2 * COUNT(tips))) / 100.0 END,
               CASE WHEN COUNT(total) > 0 THEN ((2 * SUM(total) + COUNT(total)) / (2 * COUNT(total))) / 100.0 END, 1
        FROM truth WHERE \(excludeLate(.tripsTotal)) GROUP BY day ORDER BY day
        """)
    }

    /// Sliding windows: a row is in every window [ws, ws + length) with ws ≡ 0 (mod slide) containing t.
    static func hotspots(_ db: SQLiteDatabase, column: String, query: QueryName, length: Int64, slide: Int64) throws -> [String] {
        let k = (length + slide - 1) / slide
        return try lines(db, """
        WITH RECURSIVE ks(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM ks WHERE k + 1 < \(k)),
        w AS (SELECT t - (t % \(slide)) - k * \(slide) AS ws, \(column) AS g FROM truth, ks
              WHERE \(column) IS NOT NULL AND t - (t % \(slide)) - k * \(slide) + \(length) > t AND \(excludeLate(query)))
        SELECT ws, ws + \(length), g, COUNT(*), 1 FROM w GROUP BY ws, g ORDER BY ws, g
        """)
    }

    static func lines(_ db: SQLiteDatabase, _ sql: String) throws -> [String] {
        try db.rows(sql).map { $0.map(\.description).joined(separator: "|") }
    }
}

/// The mirror's rows of a query, in the same layout as `IndependentResults`.
enum MirrorRows {
    static func sumFare(_ db: SQLiteDatabase, tenant: String) throws -> [String] {
        try IndependentResults.lines(db, "SELECT window_start, window_end, total_fare, tips_fare, total_trip_total, trips, final FROM sum_fare_window WHERE tenant = '\(tenant)' ORDER BY window_start")
    }
    static func tripsTotal(_ db: SQLiteDatabase, tenant: String) throws -> [String] {
        try IndependentResults.lines(db, "SELECT day, trips_total, fare_total, tips_avg, trip_total_avg, final FROM trips_total WHERE tenant = '\(tenant)' ORDER BY day")
    }
    static func community(_ db: SQLiteDatabase, tenant: String) throws -> [String] {
        try IndependentResults.lines(db, "SELECT window_start, window_end, pickup_community_area, count, final FROM hotspot_community_window WHERE tenant = '\(tenant)' ORDER BY window_start, pickup_community_area")
    }
    static func location(_ db: SQLiteDatabase, tenant: String) throws -> [String] {
        try IndependentResults.lines(db, "SELECT window_start, window_end, pickup_centroid_location, count, final FROM hotspot_window WHERE tenant = '\(tenant)' ORDER BY window_start, pickup_centroid_location")
    }
}

/// Checks every result table of the mirror against the independent computation.
func expectMirrorMatchesTruth(_ db: SQLiteDatabase, config: TripstreamConfig, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let tenant = config.tenant
    let fare = try MirrorRows.sumFare(db, tenant: tenant)
    #expect(fare == (try IndependentResults.sumFare(db, window: config.sumFareWindow.window.length / 1000)), sourceLocation: sourceLocation)
    #expect(!fare.isEmpty, sourceLocation: sourceLocation)
    #expect(try MirrorRows.tripsTotal(db, tenant: tenant) == (try IndependentResults.tripsTotal(db)), sourceLocation: sourceLocation)
    let c = config.hotspotCommunityWindow.window
    #expect(try MirrorRows.community(db, tenant: tenant) == (try IndependentResults.hotspots(
        db, column: "area", query: .hotspotCommunityWindow, length: c.length / 1000, slide: c.slide / 1000)), sourceLocation: sourceLocation)
    let l = config.hotspotWindow.window
    #expect(try MirrorRows.location(db, tenant: tenant) == (try IndependentResults.hotspots(
        db, column: "location", query: .hotspotWindow, length: l.length / 1000, slide: l.slide / 1000)), sourceLocation: sourceLocation)
}

/// ../shared/data beside the checkout (override with TRIPSTREAM_SHARED_DATA).
func sharedDataDirectory() -> String {
    if let env = ProcessInfo.processInfo.environment["TRIPSTREAM_SHARED_DATA"] { return env }
    let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return repo.deletingLastPathComponent().appendingPathComponent("shared/data").path
}
