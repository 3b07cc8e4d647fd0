import CRdKafka
import Foundation
import TripCore

/// What happened to one message: stored at (partition, offset), or failed with an error.
public struct DeliveryReport: Sendable {
    public let topic: String
    public let partition: Int32
    public let offset: Int64
    public let error: KafkaError?
}

/// Counts delivery reports; librdkafka calls it from `poll`/`flush` on the polling thread (the caller's, or the
/// producer's report thread).
final class DeliveryTracker: @unchecked Sendable {
    /// Guards everything here; broadcast when a tag's last report comes.
    let lock = NSCondition()
    var delivered: Int64 = 0
    var failed: Int64 = 0
    var firstFailure: KafkaError?
    /// Topics whose messages the broker may refuse as too large without failing the producer: such reports are
    /// counted in `refusedAsTooLarge` instead of `failed` (dead letters: the mirror keeps them).
    var tooLargeTolerated: Set<String> = []
    var refusedAsTooLarge: Int64 = 0
    var onReport: ((DeliveryReport) -> Void)?
    /// Called (on the polling thread, outside the lock) when every message of a tag has its report.
    var onTagReported: (() -> Void)?
    /// Messages sent and not yet reported, per tag (the caller's grouping, e.g. an epoch number), in the order
    /// tags were first used: a few entries (epochs in flight), so a scan beats hashing per message.
    var pending: [(tag: UInt, count: Int)] = []
    /// When each tag got its last report (monotonic seconds), until `reportedAt(throughTag:)` asks.
    var completions: [(tag: UInt, at: Double)] = []
    /// The latest completion among those already asked about.
    var completedBefore = -Double.infinity

    func sent(_ tag: UInt) {
        if let last = pending.indices.last, pending[last].tag == tag {
            pending[last].count += 1
        } else if let i = pending.firstIndex(where: { $0.tag == tag }) {
            pending[i].count += 1
        } else {
            pending.append((tag, 1))
        }
    }

    /// Takes back a `sent` whose message librdkafka refused.
    func unsent(_ tag: UInt) {
        guard let i = pending.firstIndex(where: { $0.tag == tag }) else { return }
        pending[i].count -= 1
        if pending[i].count == 0 { pending.remove(at: i) }
    }

    func record(_ message: UnsafePointer<rd_kafka_message_t>) {
        let m = message.pointee
        let error = m.err == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaError(code: m.err, operation: "delivery")
        let (callback, tagCallback) = lock.withLock {
            counted(tag: UInt(bitPattern: m._private), error: error, topic: m.rkt)
        }
        tagCallback?()
        guard let callback else { return }  // the topic's name is made only for a listener
        let topic = m.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
        callback(DeliveryReport(topic: topic, partition: m.partition, offset: m.offset, error: error))
    }

    /// With the lock held: counts one report; returns the listeners to call once the lock is released.
    private func counted(tag: UInt, error: KafkaError?, topic rkt: OpaquePointer?)
        -> (onReport: ((DeliveryReport) -> Void)?, onTagReported: (() -> Void)?) {
        var tagDone = false
        if let i = pending.firstIndex(where: { $0.tag == tag }) {
            pending[i].count -= 1
            if pending[i].count == 0 {
                pending.remove(at: i)
                // One entry per tag (a tag completes again when more of it is sent after): a producer whose tags
                // nobody asks about (`produce` uses only 0) keeps one, not one per report.
                if let j = completions.lastIndex(where: { $0.tag == tag }) {
                    completions[j].at = Clock.monotonicSeconds()
                } else {
                    completions.append((tag, Clock.monotonicSeconds()))
                }
                tagDone = true
                lock.broadcast()
            }
        }
        if let error, error.isMessageTooLarge, !tooLargeTolerated.isEmpty, let rkt,
           tooLargeTolerated.contains(String(cString: rd_kafka_topic_name(rkt))) {
            refusedAsTooLarge += 1
        } else if let error {
            failed += 1
            if firstFailure == nil { firstFailure = error }
        } else {
            delivered += 1
        }
        return (onReport, tagDone ? onTagReported : nil)
    }

    /// With the lock held: when the last report among tags ≤ `tag` came, or nil while one is missing.
    func reportedAt(throughTag tag: UInt) -> Double? {
        guard !pending.contains(where: { $0.tag <= tag }) else { return nil }
        for c in completions where c.tag <= tag { completedBefore = max(completedBefore, c.at) }
        completions.removeAll { $0.tag <= tag }
        return completedBefore
    }
}

/// A producer (`rd_kafka_t`), destroyed in `deinit`. Idempotent by default (no duplicates from its own
/// retries); every send gets a delivery report, and failures are counted and kept, never dropped.
public final class KafkaProducer: @unchecked Sendable {
    let handle: OpaquePointer
    let tracker: DeliveryTracker
    /// Set when the producer serves its reports on a thread of its own; signalled once that thread has ended.
    private let reportThreadStop: (flag: StopFlag, ended: DispatchSemaphore)?

    /// - Parameter reportThread: serve delivery reports on a thread of this producer's own as they come, instead
    ///   of in the caller's `poll`: a report's time is then when it came, and a caller busy elsewhere (a SQLite
    ///   commit) does not hold it back. `poll` then only waits.
    public init(config: KafkaConfig, reportThread: Bool = false) throws {
        var properties = config
        properties.setDefault("enable.idempotence", "true")
        properties.setClientDefaults()
        let conf = try properties.make(operation: "configuring the producer")
        tracker = DeliveryTracker()
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(tracker).toOpaque())
        rd_kafka_conf_set_dr_msg_cb(conf) { _, message, opaque in
            guard let message, let opaque else { return }
            Unmanaged<DeliveryTracker>.fromOpaque(opaque).takeUnretainedValue().record(message)
        }
        var error = [CChar](repeating: 0, count: 512)
        guard let rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, &error, error.count) else {
            rd_kafka_conf_destroy(conf)
            throw KafkaError(configuration: errorText(error), operation: "creating the producer")
        }
        handle = rk
        if reportThread {
            let stop = StopFlag(), ended = DispatchSemaphore(value: 0)
            reportThreadStop = (stop, ended)
            nonisolated(unsafe) let rk = rk  // librdkafka's handle is thread-safe; deinit joins this thread first
            let thread = Thread {
                while !stop.isSet { rd_kafka_poll(rk, 100) }
                ended.signal()
            }
            thread.name = "tripstream-kafka-reports"
            thread.start()
        } else {
            reportThreadStop = nil
        }
    }

    /// The value this client uses for a librdkafka property (defaults included).
    public func configValue(_ key: String) -> String? { effectiveConfigValue(handle, key) }

    deinit {
        if let (stop, ended) = reportThreadStop {
            stop.set()
            ended.wait()
        }
        for topic in topics.values { rd_kafka_topic_destroy(topic) }
        rd_kafka_destroy(handle)
    }

    /// Topic handles by name, made on first use: librdkafka otherwise looks the topic up for every message.
    private var topics: [String: OpaquePointer] = [:]
    private let topicsLock = NSLock()

    /// A topic to send to; valid while this producer lives. Senders of many messages keep one instead of
    /// naming the topic per message.
    public struct Topic: @unchecked Sendable, Equatable {  // the handle is thread-safe in librdkafka
        public let name: String
        let handle: OpaquePointer
    }

    public func topic(_ name: String) throws -> Topic {
        try topicsLock.withLock {
            if let t = topics[name] { return Topic(name: name, handle: t) }
            guard let t = rd_kafka_topic_new(handle, name, nil) else {
                throw KafkaError(code: rd_kafka_last_error(), operation: "opening topic \(name)")
            }
            topics[name] = t
            return Topic(name: name, handle: t)
        }
    }

    /// Called with every delivery report (from `poll`/`flush` on the calling thread, or on the report thread).
    public var onReport: ((DeliveryReport) -> Void)? {
        get { tracker.lock.withLock { tracker.onReport } }
        set { tracker.lock.withLock { tracker.onReport = newValue } }
    }

    public var delivered: Int64 { tracker.lock.withLock { tracker.delivered } }
    public var failed: Int64 { tracker.lock.withLock { tracker.failed } }
    public var firstFailure: KafkaError? { tracker.lock.withLock { tracker.firstFailure } }
    /// Messages to `tolerateTooLarge` topics the broker refused as too large (not counted in `failed`).
    public var refusedAsTooLarge: Int64 { tracker.lock.withLock { tracker.refusedAsTooLarge } }

    /// Lets the broker refuse messages to `topic` as too large without failing the producer (`firstFailure`):
    /// such reports are counted in `refusedAsTooLarge`.
    public func tolerateTooLarge(topic: String) { tracker.lock.withLock { _ = tracker.tooLargeTolerated.insert(topic) } }
    /// Messages handed to librdkafka and not yet reported.
    public var outstanding: Int { Int(rd_kafka_outq_len(handle)) }

    /// Queues one message (key and value are copied). When librdkafka's queue is full it serves delivery
    /// reports until there is room, so a fast producer is paced by the broker instead of failing.
    /// `tag` groups messages for `hasUndelivered(throughTag:)` (e.g. the epoch they belong to).
    public func send(topic: String, key: [UInt8]?, value: [UInt8], partition: Int32 = RD_KAFKA_PARTITION_UA,
                     timestampMs: Int64 = 0, tag: UInt = 0) throws {
        try send(to: self.topic(topic), key: key, value: value, partition: partition, timestampMs: timestampMs, tag: tag)
    }

    public func send(to topic: Topic, key: [UInt8]?, value: [UInt8], partition: Int32 = RD_KAFKA_PARTITION_UA,
                     timestampMs: Int64 = 0, tag: UInt = 0) throws {
        let opaque = UnsafeMutableRawPointer(bitPattern: tag)
        let rkt = topic.handle
        // Counted before librdkafka has it: a report thread may serve its report before produce even returns.
        tracker.lock.withLock { tracker.sent(tag) }
        while true {
            let rc = value.withUnsafeBytes { v in
                if let key {
                    return key.withUnsafeBytes { k in
                        tripstream_produce(handle, rkt, partition, k.baseAddress, k.count, v.baseAddress, v.count,
                                           timestampMs, opaque)
                    }
                }
                return tripstream_produce(handle, rkt, partition, nil, 0, v.baseAddress, v.count, timestampMs, opaque)
            }
            if rc == RD_KAFKA_RESP_ERR_NO_ERROR { return }
            if rc == RD_KAFKA_RESP_ERR__QUEUE_FULL {
                rd_kafka_poll(handle, 100)
                continue
            }
            tracker.lock.withLock { tracker.unsent(tag) }
            throw KafkaError(code: rc, operation: "producing to \(topic.name)")
        }
    }

    /// Fetches the metadata of these topics now (connecting to their leaders), so the first messages to them do
    /// not wait for a metadata round trip: that wait showed as a slow first flush per topic on the dev broker.
    public func prepare(topics: [String], timeoutMs: Int32 = 5000) throws {
        for topic in topics { try withTopicMetadata(handle, topic: topic, timeoutMs: timeoutMs) { _ in } }
    }

    /// Whether some message sent with a tag ≤ `tag` has no delivery report yet (serve reports with `poll`).
    public func hasUndelivered(throughTag tag: UInt) -> Bool {
        tracker.lock.withLock { tracker.pending.contains { $0.tag <= tag } }
    }

    /// When the last report among messages with tags ≤ `tag` came (monotonic seconds, as `Clock` and
    /// `clock_gettime(CLOCK_MONOTONIC)` count; -infinity when there were none), or nil while one is missing.
    /// Each tag's time is kept only until a call covers it: ask in tag order.
    public func reportedAt(throughTag tag: UInt) -> Double? {
        tracker.lock.withLock { tracker.reportedAt(throughTag: tag) }
    }

    /// Called on the polling thread, outside any lock, whenever every message of some tag has its report.
    public var onTagReported: (() -> Void)? {
        get { tracker.lock.withLock { tracker.onTagReported } }
        set { tracker.lock.withLock { tracker.onTagReported = newValue } }
    }

    /// Serves delivery reports waiting now (or within `timeoutMs`). With the report thread, waits up to
    /// `timeoutMs` for it to complete a tag instead (one completed just before this call is seen at the timeout:
    /// callers check their condition in a loop).
    @discardableResult
    public func poll(timeoutMs: Int32 = 0) -> Int {
        guard reportThreadStop != nil else { return Int(rd_kafka_poll(handle, timeoutMs)) }
        guard timeoutMs > 0 else { return 0 }
        tracker.lock.lock()
        defer { tracker.lock.unlock() }
        return tracker.lock.wait(until: Date(timeIntervalSinceNow: Double(timeoutMs) / 1000)) ? 1 : 0
    }

    /// Waits until every queued message is delivered or failed; an error if some are still outstanding.
    public func flush(timeoutMs: Int32) throws {
        let rc = rd_kafka_flush(handle, timeoutMs)
        if rc != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(code: rc, operation: "flushing the producer", detail: "\(outstanding) messages still undelivered")
        }
    }
}

/// A flag one thread sets and another reads (with a lock: correct, not fast, and read once per poll).
public final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    public init() {}
    public var isSet: Bool { lock.withLock { value } }
    public func set() { lock.withLock { value = true } }
}
