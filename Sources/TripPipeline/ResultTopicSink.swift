import Foundation
import TripCore
import TripEngine
import TripKafka

/// Writes each epoch's result rows to the query's result topic, in the JSON the Kafka Connect Cassandra sink
/// maps (the original field names: `window` {start, end}, total_fare, …, count), plus `tenant`,
/// `window_start`/`window_end` (Unix seconds), `day`, `final`. The message key is the row's deterministic
/// result key, so a re-emitted epoch overwrites with identical values: after any crash the compacted view
/// (last value per key) equals an uninterrupted run. `write` only queues an epoch's messages (tagged with the
/// epoch); `isDelivered(through:)` tells when every message of that epoch and the earlier ones is delivered,
/// which is when the epoch's checkpoint may be written.
public final class ResultTopicSink: @unchecked Sendable {
    let producer: KafkaProducer
    let topics: TopicNames
    let tenant: String
    /// Per query: its topic and its keys' `<tenant>|<query>|` prefix, made once.
    let resultTopics: PerQuery<String>
    let keyPrefixes: PerQuery<[UInt8]>

    public init(kafka: KafkaConfig, tenant: String) throws {
        producer = try KafkaProducer(config: kafka)
        topics = TopicNames(tenant: tenant)
        self.tenant = tenant
        resultTopics = PerQuery(topics.results)
        keyPrefixes = PerQuery { Array("\(tenant)|\($0.rawValue)|".utf8) }
        try producer.prepare(topics: [topics.deadLetters] + QueryName.allCases.map(topics.results))
    }

    public func write(_ output: EpochOutput, deadLetters: [DeadLetter], source: String) throws {
        tag = UInt(output.epoch)
        for r in output.sumFare {
            begin(.sumFareWindow, windowStart: r.windowStart, windowEnd: r.windowEnd)
            money("total_fare", r.totals.fare)
            money("tips_fare", r.totals.tips)
            money("total_trip_total", r.totals.tripTotal)
            integer("trips", r.totals.trips)
            try end(.sumFareWindow, final: r.final)
        }
        for r in output.tripsTotal {
            beginKey(.tripsTotal)
            key.append(contentsOf: r.isoDay.utf8)
            beginValue()
            text("day", r.isoDay)
            integer("trips_total", r.totals.trips)
            money("fare_total", r.totals.fare)
            money("tips_avg", r.totals.tipsAverage)
            money("trip_total_avg", r.totals.tripTotalAverage)
            try end(.tripsTotal, final: r.final)
        }
        for r in output.communityHotspots {
            begin(.hotspotCommunityWindow, windowStart: r.windowStart, windowEnd: r.windowEnd)
            key.append(0x7C)
            MessageBytes.decimal(Int64(r.communityArea), into: &key)
            integer("pickup_community_area", Int64(r.communityArea))
            integer("count", r.count)
            try end(.hotspotCommunityWindow, final: r.final)
        }
        for r in output.locationHotspots {
            begin(.hotspotWindow, windowStart: r.windowStart, windowEnd: r.windowEnd)
            key.append(0x7C)
            key.append(contentsOf: r.location.utf8)
            text("pickup_centroid_location", r.location)
            integer("count", r.count)
            try end(.hotspotWindow, final: r.final)
        }
        for d in deadLetters {
            let source = d.source ?? source
            let value = "{\"tenant\":\(JSONText.string(tenant)),\"source\":\(JSONText.string(source)),\"position\":\(d.offset),"
                + "\"query\":\(JSONText.string(d.query?.rawValue ?? "")),\"reason\":\(JSONText.string(d.reason)),"
                + "\"detail\":\(JSONText.string(d.detail)),\"raw\":\(JSONText.string(d.raw))}"
            try producer.send(topic: topics.deadLetters, key: Array("\(source)|\(d.offset)|\(d.query?.rawValue ?? "")".utf8),
                              value: Array(value.utf8), tag: tag)
        }
        producer.poll()  // serve the reports that have come in, so librdkafka's queue does not fill with them
        if let failure = producer.firstFailure { throw failure }
    }

    /// The epoch being written: the tag of its messages.
    var tag: UInt = 0

    /// Whether every message of epochs ≤ `epoch` is delivered (serving waiting reports first). A failed delivery
    /// throws: the checkpoint must not move past it, and the restart re-sends.
    func isDelivered(through epoch: Int64) throws -> Bool {
        producer.poll()
        if let failure = producer.firstFailure { throw failure }
        return !producer.hasUndelivered(throughTag: UInt(epoch))
    }

    /// Waits (serving reports) until every message of epochs ≤ `epoch` is delivered, or fails after a minute.
    func waitDelivered(through epoch: Int64) throws {
        let deadline = Clock.monotonicSeconds() + 60
        while try !isDelivered(through: epoch) {
            guard Clock.monotonicSeconds() < deadline else {
                throw KafkaError(configuration: "result messages of epoch \(epoch) still undelivered after 60 s",
                                 operation: "delivering results")
            }
            producer.poll(timeoutMs: 20)
        }
    }

    // One message is built into these reused buffers: no String per field, no allocation per message.
    var key: [UInt8] = []
    var value: [UInt8] = []
    /// `,"window":{…},"window_start":…,"window_end":…` of the last window seen (consecutive rows share it).
    var windowFragment: [UInt8] = []
    var fragmentWindow: (EventTime, EventTime) = (.min, .min)

    /// Key `<start>|<end>` and value `{"tenant":…,"window":…,"window_start":…,"window_end":…`.
    func begin(_ query: QueryName, windowStart: EventTime, windowEnd: EventTime) {
        let start = floorDiv(windowStart, 1000), end = floorDiv(windowEnd, 1000)
        beginKey(query)
        MessageBytes.decimal(start, into: &key)
        key.append(0x7C)
        MessageBytes.decimal(end, into: &key)
        beginValue()
        if fragmentWindow != (windowStart, windowEnd) {
            fragmentWindow = (windowStart, windowEnd)
            windowFragment.removeAll(keepingCapacity: true)
            windowFragment.append(contentsOf: ",\"window\":{\"start\":\"\(CivilDate.isoUTC(seconds: start))\",\"end\":\"\(CivilDate.isoUTC(seconds: end))\"}".utf8)
            windowFragment.append(contentsOf: ",\"window_start\":".utf8)
            MessageBytes.decimal(start, into: &windowFragment)
            windowFragment.append(contentsOf: ",\"window_end\":".utf8)
            MessageBytes.decimal(end, into: &windowFragment)
        }
        value.append(contentsOf: windowFragment)
    }

    lazy var tenantField: [UInt8] = Array("{\"tenant\":\(JSONText.string(tenant))".utf8)

    func beginKey(_ query: QueryName) {
        key.removeAll(keepingCapacity: true)
        key.append(contentsOf: keyPrefixes[query])
    }

    func beginValue() {
        value.removeAll(keepingCapacity: true)
        value.append(contentsOf: tenantField)
    }

    func name(_ field: StaticString) {
        value.append(contentsOf: ",\"".utf8)
        value.append(contentsOf: UnsafeRawBufferPointer(start: field.utf8Start, count: field.utf8CodeUnitCount))
        value.append(contentsOf: "\":".utf8)
    }

    func integer(_ field: StaticString, _ v: Int64) {
        name(field)
        MessageBytes.decimal(v, into: &value)
    }

    func money(_ field: StaticString, _ cents: Int64?) {
        name(field)
        MessageBytes.money(cents, into: &value)
    }

    func text(_ field: StaticString, _ s: String) {
        name(field)
        JSONText.append(s, to: &value)
    }

    /// Closes the value with `"final"` and sends.
    func end(_ query: QueryName, final: Bool) throws {
        value.append(contentsOf: final ? ",\"final\":true}".utf8 : ",\"final\":false}".utf8)
        try producer.send(topic: resultTopics[query], key: key, value: value, tag: tag)
    }
}

/// Number text straight into bytes.
enum MessageBytes {
    static func decimal(_ v: Int64, into out: inout [UInt8]) {
        if v < 0 { out.append(0x2D) }
        var magnitude = v.magnitude
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        withUnsafeMutableBytes(of: &digits) { d in
            repeat {
                d[n] = UInt8(truncatingIfNeeded: magnitude % 10) + 0x30
                magnitude /= 10
                n += 1
            } while magnitude > 0
            for i in stride(from: n - 1, through: 0, by: -1) { out.append(d[i]) }
        }
    }

    /// Cents as `units.cc` (`-1.05`, `0.00`), or `null`.
    static func money(_ cents: Int64?, into out: inout [UInt8]) {
        guard let cents else { out.append(contentsOf: "null".utf8); return }
        if cents < 0 { out.append(0x2D) }
        let a = cents.magnitude
        decimal(Int64(a / 100), into: &out)
        out.append(0x2E)
        out.append(UInt8(a % 100 / 10) + 0x30)
        out.append(UInt8(a % 10) + 0x30)
    }
}
