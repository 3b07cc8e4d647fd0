import Foundation
import TripCore
import TripEngine
import TripKafka

/// Writes each epoch's result rows to the query's result topic, in the JSON the Kafka Connect Cassandra sink
/// maps (the original field names: `window` {start, end}, total_fare, …, count), plus `tenant`,
/// `window_start`/`window_end` (Unix seconds), `day`, `final`. The message key is the row's deterministic
/// result key, so a re-emitted epoch overwrites with identical values: after any crash the compacted view
/// (last value per key) equals an uninterrupted run. `write` returns only when every message is delivered.
public final class ResultTopicSink: @unchecked Sendable {
    let producer: KafkaProducer
    let topics: TopicNames
    let tenant: String

    public init(kafka: KafkaConfig, tenant: String) throws {
        producer = try KafkaProducer(config: kafka)
        topics = TopicNames(tenant: tenant)
        self.tenant = tenant
    }

    public func write(_ output: EpochOutput, deadLetters: [DeadLetter], source: String) throws {
        for r in output.sumFare {
            try send(.sumFareWindow, key: "\(r.windowStart / 1000)|\(r.windowEnd / 1000)",
                     fields: Self.window(r.windowStart, r.windowEnd) + [
                        ("total_fare", Self.money(r.totals.fare)), ("tips_fare", Self.money(r.totals.tips)),
                        ("total_trip_total", Self.money(r.totals.tripTotal)), ("trips", "\(r.totals.trips)"),
                     ], final: r.final)
        }
        for r in output.tripsTotal {
            try send(.tripsTotal, key: r.isoDay, fields: [
                ("day", Self.string(r.isoDay)), ("trips_total", "\(r.totals.trips)"),
                ("fare_total", Self.money(r.totals.fare)), ("tips_avg", Self.money(r.totals.tipsAverage)),
                ("trip_total_avg", Self.money(r.totals.tripTotalAverage)),
            ], final: r.final)
        }
        for r in output.communityHotspots {
            try send(.hotspotCommunityWindow, key: "\(r.windowStart / 1000)|\(r.windowEnd / 1000)|\(r.communityArea)",
                     fields: Self.window(r.windowStart, r.windowEnd) + [
                        ("pickup_community_area", "\(r.communityArea)"), ("count", "\(r.count)"),
                     ], final: r.final)
        }
        for r in output.locationHotspots {
            try send(.hotspotWindow, key: "\(r.windowStart / 1000)|\(r.windowEnd / 1000)|\(r.location)",
                     fields: Self.window(r.windowStart, r.windowEnd) + [
                        ("pickup_centroid_location", Self.string(r.location)), ("count", "\(r.count)"),
                     ], final: r.final)
        }
        for d in deadLetters {
            let source = d.source ?? source
            let value = "{\"tenant\":\(Self.string(tenant)),\"source\":\(Self.string(source)),\"position\":\(d.offset),"
                + "\"query\":\(Self.string(d.query?.rawValue ?? "")),\"reason\":\(Self.string(d.reason)),"
                + "\"detail\":\(Self.string(d.detail)),\"raw\":\(Self.string(d.raw))}"
            try producer.send(topic: topics.deadLetters, key: Array("\(source)|\(d.offset)|\(d.query?.rawValue ?? "")".utf8),
                              value: Array(value.utf8))
        }
        // Delivered before the checkpoint moves past this epoch: a failure stops the run, the restart re-sends.
        try producer.flush(timeoutMs: 60_000)
        if let failure = producer.firstFailure { throw failure }
    }

    var value: [UInt8] = []
    lazy var tenantField: [UInt8] = Array("{\"tenant\":\(Self.string(tenant))".utf8)

    /// One message: `{"tenant":…,<fields>,"final":…}` built into a reused byte buffer.
    func send(_ query: QueryName, key: String, fields: [(String, String)], final: Bool) throws {
        value.removeAll(keepingCapacity: true)
        value.append(contentsOf: tenantField)
        for (name, json) in fields {
            value.append(0x2C)
            value.append(0x22)
            value.append(contentsOf: name.utf8)
            value.append(contentsOf: "\":".utf8)
            value.append(contentsOf: json.utf8)
        }
        value.append(contentsOf: final ? ",\"final\":true}".utf8 : ",\"final\":false}".utf8)
        try producer.send(topic: topics.results(query), key: Array("\(tenant)|\(query.rawValue)|\(key)".utf8), value: value)
    }

    static func window(_ start: EventTime, _ end: EventTime) -> [(String, String)] {
        [("window", "{\"start\":\"\(CivilDate.isoUTC(seconds: start / 1000))\",\"end\":\"\(CivilDate.isoUTC(seconds: end / 1000))\"}"),
         ("window_start", "\(start / 1000)"), ("window_end", "\(end / 1000)")]
    }

    static func money(_ cents: Int64?) -> String {
        guard let cents else { return "null" }
        let sign = cents < 0 ? "-" : ""
        let a = abs(cents)
        return "\(sign)\(a / 100).\(a % 100 < 10 ? "0" : "")\(a % 100)"
    }

    static func string(_ s: String) -> String { JSONText.string(s) }
}
