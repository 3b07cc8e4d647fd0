/// `# HELP` lines for the pipeline's series. swift-metrics has no help text to pass to swift-prometheus (its
/// factory registers every series with an empty one, and the registry refuses a second, different text for
/// the same name), so /metrics adds them to the exposition: before each `# TYPE` line of a name below that has
/// no HELP line yet.
enum MetricHelp {
    static let texts: [String: String] = [
        "tripstream_rows_read_total": "Source records read (CSV rows or Kafka messages), good or bad.",
        "tripstream_rows_processed_total": "Records that became trips and entered the queries.",
        "tripstream_rows_late_total": "Trips behind the watermark of at least one query.",
        "tripstream_rows_dead_total": "Dead letters written: one per rejected record, one per query a trip was late for.",
        "tripstream_windows_emitted_total": "Result rows emitted, by query.",
        "tripstream_epoch_duration_seconds": "From an epoch's cut to its last commit.",
        "tripstream_checkpoint_duration_seconds": "Time to commit one LMDB checkpoint.",
        "tripstream_kafka_produce_errors_total": "Result or dead-letter messages whose delivery failed.",
        "tripstream_dead_letters_refused_total": "Dead letters Kafka refused as too large for the dead-letter topic (kept in the mirror).",
        "tripstream_kafka_consumer_lag_messages": "Ingest messages not yet processed, summed over partitions.",
        "tripstream_epoch": "The last epoch committed.",
        "tripstream_watermark_timestamp_seconds": "The slowest query's watermark, Unix seconds.",
        "tripstream_last_checkpoint_timestamp_seconds": "When the last checkpoint was committed, Unix seconds.",
    ]

    /// The exposition with HELP lines added.
    static func adding(to exposition: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(exposition.count + 1024)
        var helped = Set<Substring>()
        for line in String(decoding: exposition, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
            let words = line.split(separator: " ", maxSplits: 3)
            if words.count >= 3, words[0] == "#", words[1] == "HELP" { helped.insert(words[2]) }
            if words.count >= 3, words[0] == "#", words[1] == "TYPE", !helped.contains(words[2]),
               let text = texts[String(words[2])] {
                out.append(contentsOf: "# HELP \(words[2]) \(text)\n".utf8)
                helped.insert(words[2])
            }
            out.append(contentsOf: line.utf8)
            out.append(0x0A)
        }
        out.removeLast()  // the split's last piece had no line end after it
        return out
    }
}
