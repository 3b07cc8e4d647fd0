import Foundation
import Testing
import TripCore
@testable import TripKafka

/// Consumes `topic` (all partitions from the beginning) until every partition reports its end.
func consumeAll(_ bootstrap: String, topic: String, partitions: Int, from offsets: [Int32: Int64]? = nil)
    throws -> [(partition: Int32, offset: Int64, key: String, value: String)] {
    let consumer = try KafkaConsumer(config: KafkaConfig(bootstrapServers: bootstrap), groupID: "test-\(UUID())")
    let start = offsets ?? Dictionary(uniqueKeysWithValues: (0..<Int32(partitions)).map { ($0, Int64(-2)) })
    try consumer.assign(topic: topic, offsets: start)
    var ended = Set<Int32>()
    var out: [(Int32, Int64, String, String)] = []
    let deadline = Date().addingTimeInterval(20)
    while ended.count < start.count && Date() < deadline {
        switch try consumer.poll(timeoutMs: 200, { m in
            out.append((m.partition, m.offset, m.key.map { String(decoding: $0, as: UTF8.self) } ?? "",
                        String(decoding: m.value, as: UTF8.self)))
        }) {
        case .partitionEnd(_, let p, _): ended.insert(p)
        default: break
        }
    }
    #expect(ended.count == start.count, "not every partition reached its end")
    return out
}

@Suite(.serialized) struct KafkaWrapperTests {

    /// Two subscribed consumers of one group split four partitions between them; the first sees its four
    /// partitions revoked and two assigned again; a handler's offsets decide where assigned partitions start.
    @Test func subscribedConsumersRebalanceAndTheHandlerChoosesOffsets() throws {
        let cluster = try KafkaMockCluster()
        try cluster.createTopic("events", partitions: 4)
        let producer = try KafkaProducer(config: KafkaConfig(bootstrapServers: cluster.bootstrapServers))
        for i in 0..<80 { try producer.send(topic: "events", key: nil, value: Array("e\(i)".utf8), partition: Int32(i % 4)) }
        try producer.flush(timeoutMs: 10_000)

        final class Log: @unchecked Sendable {
            let lock = NSLock()
            var events: [Rebalance] = []
            func add(_ e: Rebalance) { lock.withLock { events.append(e) } }
            var all: [Rebalance] { lock.withLock { events } }
        }
        let logA = Log(), logB = Log()
        var config = KafkaConfig(bootstrapServers: cluster.bootstrapServers)
        config["auto.offset.reset"] = "earliest"
        config["session.timeout.ms"] = "6000"
        config["heartbeat.interval.ms"] = "100"
        let a = try KafkaConsumer(config: config, groupID: "g") { event in
            logA.add(event)
            // Start every partition A gets at offset 15 (as a checkpoint would say).
            if case .assigned(let ps) = event { return ps.map { TopicPartition(topic: $0.topic, partition: $0.partition, offset: 15) } }
            return nil
        }
        try a.subscribe(topics: ["events"])
        var firstOffsets: [Int32: Int64] = [:]
        let deadline = Date().addingTimeInterval(30)
        while firstOffsets.count < 4 && Date() < deadline {
            _ = try a.poll(timeoutMs: 100) { m in if firstOffsets[m.partition] == nil { firstOffsets[m.partition] = m.offset } }
        }
        #expect(firstOffsets == [0: 15, 1: 15, 2: 15, 3: 15])
        #expect(logA.all.first == .assigned((0..<4).map { TopicPartition(topic: "events", partition: $0) }))

        let b = try KafkaConsumer(config: config, groupID: "g") { event in logB.add(event); return nil }
        try b.subscribe(topics: ["events"])
        while Date() < deadline {
            _ = try a.poll(timeoutMs: 50) { _ in }
            _ = try b.poll(timeoutMs: 50) { _ in }
            if try a.assignment().count == 2 && b.assignment().count == 2 { break }
        }
        let mine = Set(try a.assignment().map(\.partition)), theirs = Set(try b.assignment().map(\.partition))
        #expect(mine.count == 2 && theirs.count == 2 && mine.isDisjoint(with: theirs))
        #expect(logA.all.contains { if case .revoked(let ps) = $0 { ps.count == 4 } else { false } })
        #expect(logB.all.contains { if case .assigned(let ps) = $0 { Set(ps.map(\.partition)) == theirs } else { false } })
        #expect(a.rebalanceFailure == nil && b.rebalanceFailure == nil)
    }
    @Test func produceConsumeRoundTripAcrossPartitions() throws {
        let cluster = try KafkaMockCluster(brokers: 3)
        try cluster.createTopic("trips", partitions: 4)
        let producer = try KafkaProducer(config: KafkaConfig(bootstrapServers: cluster.bootstrapServers))
        for i in 0..<200 {
            try producer.send(topic: "trips", key: Array("trip-\(i)".utf8), value: Array("{\"n\":\(i)}".utf8))
        }
        try producer.flush(timeoutMs: 10_000)
        #expect(producer.delivered == 200 && producer.failed == 0)
        let got = try consumeAll(cluster.bootstrapServers, topic: "trips", partitions: 4)
        #expect(got.count == 200)
        #expect(Set(got.map(\.key)) == Set((0..<200).map { "trip-\($0)" }))
        #expect(Set(got.map(\.partition)).count == 4)  // keyed messages spread over the partitions
        // one key always lands in one partition, in order
        let byKey = Dictionary(grouping: got, by: \.key)
        #expect(byKey.values.allSatisfy { Set($0.map(\.partition)).count == 1 })
        #expect(cluster.bootstrapServers.hasPrefix("127.0.0.1:") || cluster.bootstrapServers.contains("localhost"))
    }

    @Test func assignAtAnOffsetAndSeek() throws {
        let cluster = try KafkaMockCluster()
        try cluster.createTopic("seq", partitions: 1)
        let producer = try KafkaProducer(config: KafkaConfig(bootstrapServers: cluster.bootstrapServers))
        for i in 0..<20 { try producer.send(topic: "seq", key: nil, value: Array("m\(i)".utf8), partition: 0) }
        try producer.flush(timeoutMs: 10_000)
        let fromFive = try consumeAll(cluster.bootstrapServers, topic: "seq", partitions: 1, from: [0: 5])
        #expect(fromFive.map(\.value) == (5..<20).map { "m\($0)" })
        #expect(fromFive.first?.offset == 5)

        let consumer = try KafkaConsumer(config: KafkaConfig(bootstrapServers: cluster.bootstrapServers), groupID: "seek")
        try consumer.assign(topic: "seq", offsets: [0: -2])
        var first: String?
        while first == nil { _ = try consumer.poll(timeoutMs: 500) { first = String(decoding: $0.value, as: UTF8.self) } }
        #expect(first == "m0")
        try consumer.seek(topic: "seq", partition: 0, offset: 17)
        var afterSeek: String?
        while afterSeek == nil { _ = try consumer.poll(timeoutMs: 500) { afterSeek = String(decoding: $0.value, as: UTF8.self) } }
        #expect(afterSeek == "m17")
        #expect(try consumer.partitionCount(topic: "seq") == 1)
    }

    /// With every broker down a message cannot be delivered: the report says so, nothing is silently lost.
    @Test func deliveryFailuresAreReported() throws {
        let cluster = try KafkaMockCluster(brokers: 1)
        try cluster.createTopic("down", partitions: 1)
        var config = KafkaConfig(bootstrapServers: cluster.bootstrapServers)
        config["message.timeout.ms"] = "1500"
        let producer = try KafkaProducer(config: config)
        var reports: [DeliveryReport] = []
        producer.onReport = { reports.append($0) }
        try cluster.setBroker(1, up: false)
        try producer.send(topic: "down", key: nil, value: Array("lost?".utf8))
        #expect(throws: KafkaError.self) { try producer.flush(timeoutMs: 200) }  // still undelivered
        let deadline = Date().addingTimeInterval(10)
        while producer.failed == 0 && Date() < deadline { producer.poll(timeoutMs: 100) }
        #expect(producer.failed == 1 && producer.delivered == 0)
        #expect(reports.first?.error?.message.lowercased().contains("timed out") == true, "\(String(describing: reports.first?.error))")
    }

    /// The Admin API wrapper against the mock cluster. librdkafka 2.0.2's mock has no controller, so the request
    /// fails as a whole with librdkafka's own error, within the timeout asked for (the success path needs a real
    /// cluster). A topic the client itself rejects (0 partitions) fails before anything is sent.
    @Test func createTopicsReportsTheMocksMissingControllerInTime() throws {
        let cluster = try KafkaMockCluster()
        let admin = try KafkaAdmin(config: KafkaConfig(bootstrapServers: cluster.bootstrapServers))
        let start = Date()
        do {
            let outcomes = try admin.createTopics([.init(name: "new", partitions: 3, replicationFactor: 1,
                                                         settings: ["cleanup.policy": "compact"])], timeoutMs: 1500)
            Issue.record("the mock answered CreateTopics (\(outcomes)): test the success path here instead")
        } catch let e as KafkaError {
            #expect(e.message.contains("controller") && e.message.contains("Timed out"), "\(e)")
        }
        #expect(Date().timeIntervalSince(start) < 8)
        do {
            _ = try admin.createTopics([.init(name: "bad", partitions: 0, replicationFactor: 1)], timeoutMs: 1000)
            Issue.record("0 partitions accepted")
        } catch let e as KafkaError {
            #expect(e.message.hasPrefix("bad: ") && e.message.contains("partitions"), "\(e)")
        }
    }

    @Test func invalidPropertiesNameTheKey() {
        do {
            _ = try KafkaProducer(config: KafkaConfig(bootstrapServers: "127.0.0.1:1", ["no.such.property": "1"]))
            Issue.record("accepted an unknown property")
        } catch let e as KafkaError {
            #expect(e.message.contains("no.such.property"))
        } catch {
            Issue.record("\(error)")
        }
        #expect(throws: KafkaError.self) { _ = try KafkaConfig.parseProperties("a=1\nbroken line\n") }
        let parsed = try? KafkaConfig.parseProperties("# c\nsecurity.protocol = SASL_SSL\n\nsasl.mechanism=PLAIN\n")
        #expect(parsed == ["security.protocol": "SASL_SSL", "sasl.mechanism": "PLAIN"])
    }

    /// Nagle's algorithm is off in every client unless the user says otherwise (librdkafka's default is on,
    /// which held small requests ~40 ms on loopback), and the other defaults yield to an explicit setting too.
    @Test func clientDefaultsAreInEffectAndYieldToExplicitSettings() throws {
        let servers = "127.0.0.1:1"
        let producer = try KafkaProducer(config: KafkaConfig(bootstrapServers: servers))
        #expect(producer.configValue("socket.nagle.disable") == "true")
        #expect(producer.configValue("enable.idempotence") == "true")
        let consumer = try KafkaConsumer(config: KafkaConfig(bootstrapServers: servers), groupID: "g")
        #expect(consumer.configValue("socket.nagle.disable") == "true")
        #expect(consumer.configValue("fetch.wait.max.ms") == "50")

        let explicit = KafkaConfig(bootstrapServers: servers, ["socket.nagle.disable": "false", "fetch.wait.max.ms": "7"])
        #expect(try KafkaProducer(config: KafkaConfig(bootstrapServers: servers, ["socket.nagle.disable": "false"]))
            .configValue("socket.nagle.disable") == "false")
        let tuned = try KafkaConsumer(config: explicit, groupID: "g")
        #expect(tuned.configValue("socket.nagle.disable") == "false")
        #expect(tuned.configValue("fetch.wait.max.ms") == "7")
        #expect(producer.configValue("no.such.property") == nil)
    }

    /// With its report thread, a producer learns of deliveries without anyone polling, and tells when each tag's
    /// last report came. Many small tags in a row: a report served before `send` returns must still count (it
    /// did not when the message was counted only after librdkafka took it, and a tag then never completed).
    @Test func theReportThreadServesReportsAndTimesEachTag() throws {
        let cluster = try KafkaMockCluster(brokers: 3)
        try cluster.createTopic("results", partitions: 4)
        // No lingering: reports come back while a tag is still being sent.
        let producer = try KafkaProducer(config: KafkaConfig(bootstrapServers: cluster.bootstrapServers, ["linger.ms": "0"]),
                                         reportThread: true)
        let topic = try producer.topic("results")
        let tagsReported = Counter()
        producer.onTagReported = { tagsReported.add() }
        var previous = -Double.infinity
        for tag in UInt(1)...40 {
            let sent = Clock.monotonicSeconds()
            for i in 0..<500 { try producer.send(to: topic, key: Array("k\(i)".utf8), value: Array("v\(tag)".utf8), tag: tag) }
            let deadline = Date().addingTimeInterval(10)
            var at: Double?
            while at == nil && Date() < deadline {
                producer.poll(timeoutMs: 50)  // only waits: the thread serves the reports
                at = producer.reportedAt(throughTag: tag)
            }
            guard let at else { Issue.record("tag \(tag) never completed"); return }
            #expect(at >= sent && at <= Clock.monotonicSeconds() && at >= previous)
            previous = at
        }
        #expect(producer.delivered == 20_000 && producer.failed == 0)
        // At least once per tag; more when every message sent so far was reported before the tag's next one.
        #expect(tagsReported.value >= 40)
        #expect(producer.reportedAt(throughTag: 41) == previous)  // nothing later: the latest report's time
    }

    /// Without the thread, reports wait for the caller's `poll` (or `flush`).
    @Test func withoutTheReportThreadReportsWaitForPoll() throws {
        let cluster = try KafkaMockCluster()
        try cluster.createTopic("results", partitions: 1)
        let producer = try KafkaProducer(config: KafkaConfig(bootstrapServers: cluster.bootstrapServers))
        try producer.send(topic: "results", key: nil, value: Array("v".utf8), tag: 7)
        usleep(500_000)  // delivered by now, but nobody polled
        #expect(producer.hasUndelivered(throughTag: 7) && producer.reportedAt(throughTag: 7) == nil)
        try producer.flush(timeoutMs: 10_000)
        #expect(producer.reportedAt(throughTag: 7) != nil && producer.delivered == 1)
        // A tag that completes again and again (every message reported before the next is sent) keeps one time.
        for _ in 0..<20 {
            try producer.send(topic: "results", key: nil, value: Array("v".utf8), tag: 9)
            try producer.flush(timeoutMs: 10_000)
        }
        #expect(producer.tracker.lock.withLock { producer.tracker.completions.count } == 1)
    }
}

/// Counts calls from any thread.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
