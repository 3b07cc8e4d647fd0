extension TripstreamConfig {
    /// The effective configuration as JSON, keys in a fixed order: what `tripstream config` prints, and the
    /// basis of the checkpoint fingerprint (a changed query definition cannot resume an old state).
    public var canonicalJSON: String {
        func duration(_ ms: EventTime) -> String {
            ms % 3_600_000 == 0 ? "\"\(ms / 3_600_000)h\"" : ms % 60_000 == 0 ? "\"\(ms / 60_000)m\""
                : ms % 1000 == 0 ? "\"\(ms / 1000)s\"" : "\"\(ms)ms\""
        }
        var queries: [String] = []
        for q in QueryName.allCases {
            let s = self[q]
            var fields: [String] = []
            if q != .tripsTotal {
                fields.append("\"window\": \(duration(s.window.length))")
                fields.append("\"slide\": \(duration(s.window.slide))")
            }
            fields.append("\"watermark\": \(duration(s.watermarkDelay))")
            fields.append("\"mode\": \"\(s.mode.rawValue)\"")
            queries.append("    \"\(q.rawValue)\": {\(fields.joined(separator: ", "))}")
        }
        return """
        {
          "tenant": "\(tenant)",
          "time_column": "\(timeColumn.rawValue)",
          "time_zone": "\(timeZone.identifier)",
          "epoch_rows": \(epochRows),
          "queries": {
        \(queries.joined(separator: ",\n"))
          }
        }
        """
    }
}
