extension TripstreamConfig {
    /// The effective configuration as JSON, keys in a fixed order: what `tripstream config` prints, and the
    /// basis of the checkpoint fingerprint (a changed query definition cannot resume an old state).
    /// A built-in's `sql` is printed only when set and new queries follow the built-ins, so a configuration
    /// of the four built-ins prints as before this field existed: state directories keep their fingerprint.
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
            if let sql = builtinSQL[q] { fields.append("\"sql\": \(JSONText.string(sql))") }
            if !s.enabled { fields.append("\"enabled\": false") }  // only then: enabled ones print as before
            queries.append("    \"\(q.rawValue)\": {\(fields.joined(separator: ", "))}")
        }
        for q in userQueries {
            queries.append("    \"\(q.name)\": {\"sql\": \(JSONText.string(q.sql)), \"watermark\": \(duration(q.watermarkDelay)), "
                           + "\"mode\": \"\(q.mode.rawValue)\", \"enabled\": \(q.enabled)}")
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
