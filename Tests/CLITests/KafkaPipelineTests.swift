import Foundation
import Testing
import TripKafka
import TripSinks
import TripSQLite
import TripTesting

/// The last value per key of a topic, read with kcat (an independent client).
func compactedView(_ bootstrap: String, topic: String) throws -> [String: [String: Any]] {
    let r = try kcat(["-C", "-b", bootstrap, "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%k\t%s\n"])
    #expect(r.status == 0)
    var view: [String: [String: Any]] = [:]
    for line in r.output.split(separator: "\n") {
        guard let tab = line.firstIndex(of: "\t") else { continue }
        let value = try JSONSerialization.jsonObject(with: Data(line[line.index(after: tab)...].utf8)) as? [String: Any]
        view[String(line[..<tab])] = value
    }
    return view
}

/// Every message of a topic as kcat reads it, in topic order: key and value, byte for byte (as text).
func topicMessages(_ bootstrap: String, topic: String) throws -> [(key: String, value: String)] {
    let r = try kcat(["-C", "-b", bootstrap, "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%k\t%s\n"])
    #expect(r.status == 0)
    var messages: [(key: String, value: String)] = []
    for line in r.output.split(separator: "\n") {
        guard let tab = line.firstIndex(of: "\t") else { continue }
        messages.append((String(line[..<tab]), String(line[line.index(after: tab)...])))
    }
    return messages
}

func mirrorRows(_ db: String, _ sql: String) throws -> [[SQLiteValue]] {
    try SQLiteDatabase(path: db, readOnly: true).rows(sql)
}

/// Result topics and the mirror agree: every mirror row has its key in the compacted topic, with its values.
func expectTopicsMatchMirror(_ bootstrap: String, db: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let days = try compactedView(bootstrap, topic: "tenantstreamapp_tripsTotalStream")
    let mirrorDays = try mirrorRows(db, "SELECT day, trips_total, fare_total, final FROM trips_total")
    #expect(days.count == mirrorDays.count && !days.isEmpty, sourceLocation: sourceLocation)
    for row in mirrorDays {
        let v = days["tenantstreamapp|trips_total|\(row[0].string!)"]
        #expect((v?["trips_total"] as? NSNumber)?.int64Value == row[1].int64, sourceLocation: sourceLocation)
        #expect(abs(((v?["fare_total"] as? NSNumber)?.doubleValue ?? -1) - (row[2].double ?? -2)) < 0.001, sourceLocation: sourceLocation)
        #expect((v?["final"] as? Bool) == (row[3].int64 == 1), sourceLocation: sourceLocation)
    }
    let windows = try compactedView(bootstrap, topic: "tenantstreamapp_hotspotCommunityPickupWindowStream")
    let mirrorWindows = try mirrorRows(db, "SELECT window_start, window_end, pickup_community_area, count FROM hotspot_community_window")
    #expect(windows.count == mirrorWindows.count, sourceLocation: sourceLocation)
    for row in mirrorWindows {
        let v = windows["tenantstreamapp|hotspot_community_window|\(row[0])|\(row[1])|\(row[2])"]
        #expect((v?["count"] as? NSNumber)?.int64Value == row[3].int64, sourceLocation: sourceLocation)
        #expect((v?["window"] as? [String: Any])?["start"] is String, sourceLocation: sourceLocation)
    }
    let fares = try compactedView(bootstrap, topic: "tenantstreamapp_sumFareWindowStream")
    let mirrorFares = try mirrorRows(db, "SELECT window_start, window_end, total_fare, tips_fare, trips FROM sum_fare_window")
    #expect(fares.count == mirrorFares.count, sourceLocation: sourceLocation)
    let iso = ISO8601DateFormatter()
    for row in mirrorFares {
        let v = fares["tenantstreamapp|sum_fare_window|\(row[0])|\(row[1])"]
        let window = v?["window"] as? [String: Any]
        #expect((window?["start"] as? String).flatMap(iso.date(from:))?.timeIntervalSince1970 == Double(row[0].int64!), sourceLocation: sourceLocation)
        #expect((window?["end"] as? String).flatMap(iso.date(from:))?.timeIntervalSince1970 == Double(row[1].int64!), sourceLocation: sourceLocation)
        #expect((v?["window_start"] as? NSNumber)?.int64Value == row[0].int64, sourceLocation: sourceLocation)
        #expect(((v?["total_fare"] as? NSNumber)?.doubleValue).map { abs($0 - (row[2].double ?? -1)) < 0.001 } ?? (row[2] == .null), sourceLocation: sourceLocation)
        #expect(((v?["tips_fare"] as? NSNumber)?.doubleValue).map { abs($0 - (row[3].double ?? -1)) < 0.001 } ?? (row[3] == .null), sourceLocation: sourceLocation)
        #expect((v?["trips"] as? NSNumber)?.int64Value == row[4].int64, sourceLocation: sourceLocation)
    }
}

@Suite struct KafkaPipelineTests {
    /// kcat produces CSV lines (an independent client), `run --format csv` processes them, kcat reads the
    /// result topics: they equal the mirror, and the mirror equals the replay of the same rows from CSV.
    @Test func kcatInRunKcatOutEqualsCSVReplay() throws {
        let dir = scratchDirectory("cli")
        let input = "\(dir)/in.csv"
        #expect(try tripstream(["generate", "--rows", "1500", "--seed", "21", "--per-day", "500", "--disorder", "0.1", "-o", input]).status == 0)
        let lines = try String(contentsOfFile: input, encoding: .utf8).split(separator: "\n").dropFirst().joined(separator: "\n") + "\n"
        let broker = try DevBroker(["--brokers", "1", "--partitions", "1"])
        defer { _ = broker.stop() }
        #expect(try kcat(["-P", "-b", broker.bootstrap, "-t", "tenantstreamapp_ingestData"], stdin: lines).status == 0)
        let run = try tripstream(["run", "--brokers", broker.bootstrap, "--format", "csv", "--db", "\(dir)/k.sqlite",
                                  "--stop-at-end", "--epoch-rows", "300", "--log-level", "error"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("rows read        1500"), "\(run.stdout)")
        let replay = try tripstream(["replay", input, "--order", "file", "--db", "\(dir)/r.sqlite", "--epoch-rows", "300", "--quiet"])
        #expect(replay.status == 0)
        let k = try mirrorDump("\(dir)/k.sqlite", tables: MirrorSchema.resultTables)
        let r = try mirrorDump("\(dir)/r.sqlite", tables: MirrorSchema.resultTables)
        #expect(k == r)
        try expectTopicsMatchMirror(broker.bootstrap, db: "\(dir)/k.sqlite")
    }

    /// Four partitions, rows of every window spread over them (keyed by trip id), JSON from `produce`:
    /// with a watermark nothing is late for, the results equal the CSV replay's.
    @Test func fourPartitionsGiveTheSameResults() throws {
        let dir = scratchDirectory("cli")
        let input = "\(dir)/in.csv"
        #expect(try tripstream(["generate", "--rows", "2000", "--seed", "22", "--per-day", "700", "--disorder", "0.2", "--bad", "0.01", "-o", input]).status == 0)
        let config = "\(dir)/c.json"
        try #"{"queries": {"sum_fare_window": {"watermark": "2d"}, "trips_total": {"watermark": "2d"}, "hotspot_community_window": {"watermark": "2d"}, "hotspot_window": {"watermark": "2d"}}}"#
            .write(toFile: config, atomically: true, encoding: .utf8)
        let broker = try DevBroker(["--brokers", "3", "--partitions", "4"])
        defer { _ = broker.stop() }
        let produced = try tripstream(["produce", input, "--brokers", broker.bootstrap, "--quiet"])
        #expect(produced.status == 0, "\(produced.stderr)")
        #expect(produced.stdout.contains("failed           0"))
        let run = try tripstream(["run", "--brokers", broker.bootstrap, "--db", "\(dir)/k.sqlite", "--stop-at-end",
                                  "--config", config, "--epoch-rows", "400", "--log-level", "error"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try tripstream(["replay", input, "--db", "\(dir)/r.sqlite", "--config", config, "--quiet"]).status == 0)
        let k = try mirrorDump("\(dir)/k.sqlite", tables: MirrorSchema.resultTables)
        let r = try mirrorDump("\(dir)/r.sqlite", tables: MirrorSchema.resultTables)
        #expect(k == r)
        // rows of one window came from several partitions
        let consumer = try KafkaConsumer(config: KafkaConfig(bootstrapServers: broker.bootstrap), groupID: "check")
        #expect(try consumer.partitionCount(topic: "tenantstreamapp_ingestData") == 4)
        // bad rows: dead-lettered by produce, on the dead-letter topic
        let dead = try compactedView(broker.bootstrap, topic: "tenantstreamapp_deadLetters")
        #expect(!dead.isEmpty && dead.values.allSatisfy { ($0["reason"] as? String)?.isEmpty == false })
        try expectTopicsMatchMirror(broker.bootstrap, db: "\(dir)/k.sqlite")
        try expectCassandraStageMatches(broker.bootstrap)
    }

    /// Partitions filled very unevenly (70 % of the rows in one of four), each in time order: epochs cut at an
    /// event time common to all partitions keep them in step, so with a 1-minute watermark nothing is late and
    /// the results equal the CSV replay. (Equal message counts per partition let the sparse partitions run hours
    /// ahead of the dense one, whose rows then fell behind the watermark.)
    @Test func unevenPartitionsStayInStepInEventTime() throws {
        let dir = scratchDirectory("cli")
        let input = "\(dir)/in.csv"
        #expect(try tripstream(["generate", "--rows", "2000", "--seed", "24", "--per-day", "1000", "--disorder", "0", "-o", input]).status == 0)
        let config = "\(dir)/c.json"
        try #"{"queries": {"sum_fare_window": {"watermark": "1m"}, "trips_total": {"watermark": "1m"}, "hotspot_community_window": {"watermark": "1m"}, "hotspot_window": {"watermark": "1m"}}}"#
            .write(toFile: config, atomically: true, encoding: .utf8)
        let lines = try String(contentsOfFile: input, encoding: .utf8).split(separator: "\n").dropFirst()
        let broker = try DevBroker(["--brokers", "1", "--partitions", "4"])
        defer { _ = broker.stop() }
        var byPartition = [[Substring]](repeating: [], count: 4)
        for (i, line) in lines.enumerated() { byPartition[i % 10 < 7 ? 0 : 1 + i % 3].append(line) }
        for (p, rows) in byPartition.enumerated() {
            #expect(try kcat(["-P", "-b", broker.bootstrap, "-t", "tenantstreamapp_ingestData", "-p", "\(p)"],
                             stdin: rows.joined(separator: "\n") + "\n").status == 0)
        }
        let run = try tripstream(["run", "--brokers", broker.bootstrap, "--format", "csv", "--db", "\(dir)/k.sqlite",
                                  "--stop-at-end", "--config", config, "--epoch-rows", "200", "--log-level", "error"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("rows read        2000"), "\(run.stdout)")
        #expect(run.stdout.contains("late             0 "), "\(run.stdout)")
        #expect(try tripstream(["replay", input, "--order", "file", "--db", "\(dir)/r.sqlite", "--config", config,
                                "--epoch-rows", "200", "--quiet"]).status == 0)
        let k = try mirrorDump("\(dir)/k.sqlite", tables: MirrorSchema.resultTables)
        let r = try mirrorDump("\(dir)/r.sqlite", tables: MirrorSchema.resultTables)
        #expect(k == r)
    }

    /// The Kafka Connect mappings name exactly the fields the result messages carry, into columns the CQL
    /// tables have.
    func expectCassandraStageMatches(_ bootstrap: String) throws {
        let cql = try tripstream(["cassandra-schema"]).stdout
        let connect = try JSONSerialization.jsonObject(with: Data(try tripstream(["connect-config"]).stdout.utf8)) as! [String: Any]
        let config = connect["config"] as! [String: String]
        let mappings = config.filter { $0.key.hasSuffix(".mapping") }
        #expect(mappings.count == 4)
        for (key, mapping) in mappings {
            let parts = key.split(separator: ".")  // topic.<topic>.<keyspace>.<table>.mapping
            let topic = String(parts[1]), table = String(parts[3])
            let pairs = mapping.split(separator: ",").map { $0.split(separator: "=").map(String.init) }
            let tableDDL = cql.components(separatedBy: "CREATE TABLE IF NOT EXISTS mysimbdp_coredms.\(table) (").last!
                .components(separatedBy: ");").first!
            for pair in pairs { #expect(tableDDL.contains("  \(pair[0]) "), "\(table) lacks column \(pair[0])") }
            let fields = Set(pairs.map { String($0[1].dropFirst("value.".count)) })
            let messages = try compactedView(bootstrap, topic: topic)
            #expect(!messages.isEmpty)
            #expect(messages.values.allSatisfy { Set($0.keys) == fields }, "\(topic): message fields differ from the mapping")
        }
    }

    /// kill -9 `run` at random moments while `produce` streams; after restarts the mirror and the compacted
    /// result topics equal an uninterrupted run over the same topic.
    @Test func killedRunRecoversWhileProduceStreams() throws {
        let dir = scratchDirectory("cli")
        let input = "\(dir)/in.csv"
        #expect(try tripstream(["generate", "--rows", "3000", "--seed", "23", "--per-day", "1000", "--disorder", "0.1", "-o", input]).status == 0)
        let broker = try DevBroker(["--brokers", "1", "--partitions", "2"])
        defer { _ = broker.stop() }
        let producer = Process()
        producer.executableURL = repoRoot.appendingPathComponent(".build/debug/tripstream")
        producer.arguments = ["produce", input, "--brokers", broker.bootstrap, "--rate", "600", "--quiet"]
        producer.standardOutput = FileHandle.nullDevice
        try producer.run()
        // Count cuts alone: the reference below cuts by count too (a delay cut may change which rows are late).
        let runArgs = ["run", "--brokers", broker.bootstrap, "--db", "\(dir)/k.sqlite", "--epoch-rows", "200", "--log-level", "error",
                       "--max-epoch-delay", "off"]
        var kills = 0
        var rng = SystemRandomNumberGenerator()
        // Each run needs about a second to connect before its first epoch: kills land from start-up to well
        // into the stream, several after checkpoints.
        while producer.isRunning || kills < 8 {
            let child = Process()
            child.executableURL = repoRoot.appendingPathComponent(".build/debug/tripstream")
            child.arguments = runArgs
            child.standardOutput = FileHandle.nullDevice
            child.standardError = FileHandle.nullDevice
            try child.run()
            // The first run lives long enough to checkpoint, so the finishing run must resume.
            usleep(kills == 0 ? 3_000_000 : UInt32.random(in: 200_000...2_500_000, using: &rng))
            kill(child.processIdentifier, SIGKILL)
            child.waitUntilExit()
            kills += 1
            if kills > 20 { break }
        }
        producer.waitUntilExit()
        #expect(producer.terminationStatus == 0)
        let finish = try tripstream(runArgs + ["--stop-at-end"])
        #expect(finish.status == 0, "\(finish.stderr)")
        #expect(finish.stdout.contains("resumed after epoch"), "\(finish.stdout)")
        let reference = try tripstream(["run", "--brokers", broker.bootstrap, "--db", "\(dir)/ref.sqlite", "--epoch-rows", "200",
                                        "--stop-at-end", "--no-result-topics", "--group", "reference", "--log-level", "error"])
        #expect(reference.status == 0, "\(reference.stderr)")
        let k = try mirrorDump("\(dir)/k.sqlite")
        let ref = try mirrorDump("\(dir)/ref.sqlite")
        #expect(k == ref, "mirror after \(kills) kills differs from the uninterrupted run")
        try expectTopicsMatchMirror(broker.bootstrap, db: "\(dir)/ref.sqlite")
    }
}

@Suite struct KafkaOutageTests {
    /// The broker goes down mid-stream and comes back: produce and run carry on, nothing is lost; SIGTERM
    /// stops run cleanly and a restart finishes the topic.
    @Test func brokerOutageLosesNothingAndSIGTERMStopsCleanly() throws {
        let dir = scratchDirectory("cli")
        let cluster = try KafkaMockCluster(brokers: 1)
        for topic in ["tenantstreamapp_ingestData", "tenantstreamapp_deadLetters", "tenantstreamapp_sumFareWindowStream",
                      "tenantstreamapp_tripsTotalStream", "tenantstreamapp_hotspotCommunityPickupWindowStream",
                      "tenantstreamapp_hotspotWindowStream"] {
            try cluster.createTopic(topic, partitions: 2)
        }
        let bootstrap = cluster.bootstrapServers
        func child(_ args: [String]) throws -> Process {
            let p = Process()
            p.executableURL = repoRoot.appendingPathComponent(".build/debug/tripstream")
            p.arguments = args
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            return p
        }
        let runArgs = ["run", "--brokers", bootstrap, "--db", "\(dir)/k.sqlite", "--epoch-rows", "100", "--log-level", "error",
                       "--max-epoch-delay", "off"]
        let run = try child(runArgs)
        let produce = try child(["produce", repoRoot.appendingPathComponent("fixtures/trips-2k.csv").path, "--brokers", bootstrap,
                                 "--rate", "1000", "--quiet"])
        usleep(700_000)
        try cluster.setBroker(1, up: false)
        usleep(1_500_000)
        try cluster.setBroker(1, up: true)
        produce.waitUntilExit()
        #expect(produce.terminationStatus == 0, "produce lost messages across the outage")
        usleep(1_000_000)
        run.terminate()  // SIGTERM: stop between epochs, everything submitted is committed and checkpointed
        let deadline = Date().addingTimeInterval(30)
        while run.isRunning && Date() < deadline { usleep(50_000) }
        if run.isRunning {
            kill(run.processIdentifier, SIGKILL)
            Issue.record("run did not stop within 30 s of SIGTERM")
        }
        run.waitUntilExit()
        #expect(run.terminationReason == .exit && run.terminationStatus == 0)
        let finish = try tripstream(runArgs + ["--stop-at-end"])
        #expect(finish.status == 0, "\(finish.stderr)")
        #expect(finish.stdout.contains("resumed after epoch"), "\(finish.stdout)")
        #expect(finish.stdout.contains("rows read        1972"), "\(finish.stdout)")
        let reference = try tripstream(["run", "--brokers", bootstrap, "--db", "\(dir)/ref.sqlite", "--epoch-rows", "100",
                                        "--stop-at-end", "--no-result-topics", "--group", "reference", "--log-level", "error"])
        #expect(reference.status == 0)
        let k = try mirrorDump("\(dir)/k.sqlite")
        let ref = try mirrorDump("\(dir)/ref.sqlite")
        #expect(k == ref)
    }
}
