import TripCore

/// The four original analytics as SQL: what the engine runs for them (before issue 16 they were hand-wired code;
/// these texts give the same tables, topics and values). The time column and windows come from the configuration
/// (its `time_column` and each query's `window` and `slide`; `trips_total` is always the local day), the output
/// names are the mirror's column names.
public enum BuiltinQueries {
    /// The SQL text of a built-in query under `config`.
    public static func sql(_ query: QueryName, in config: TripstreamConfig) -> String {
        let time = TripColumn(config.timeColumn).name
        let window = config[query].window
        let from = window.slide == window.length
            ? "TUMBLE(trips, \(time), \(SQLNormalizer.interval(window.length)))"
            : "HOP(trips, \(time), \(SQLNormalizer.interval(window.slide)), \(SQLNormalizer.interval(window.length)))"
        switch query {
        case .sumFareWindow:
            // Every row counts in `trips`; a sum over no fare (tips, total) is NULL.
            return """
                SELECT window_start, window_end, SUM(fare) AS total_fare, SUM(tips) AS tips_fare,
                       SUM(trip_total) AS total_trip_total, COUNT(*) AS trips
                FROM \(from)
                GROUP BY window_start, window_end
                """
        case .tripsTotal:
            // Averages are in cents, rounded half away from zero.
            return """
                SELECT DATE(window_start) AS day, COUNT(*) AS trips_total, SUM(fare) AS fare_total,
                       ROUND(AVG(tips), 2) AS tips_avg, ROUND(AVG(trip_total), 2) AS trip_total_avg
                FROM TUMBLE(trips, \(time), INTERVAL '1' DAY)
                GROUP BY DATE(window_start)
                """
        case .hotspotCommunityWindow:
            return hotspot("pickup_community_area", from)
        case .hotspotWindow:
            return hotspot("pickup_centroid_location", from)
        }
    }

    /// Trips per non-NULL group in each window: a row without the group is not counted (and not late).
    static func hotspot(_ column: String, _ from: String) -> String {
        """
        SELECT window_start, window_end, \(column), COUNT(*) AS count
        FROM \(from)
        WHERE \(column) IS NOT NULL
        GROUP BY window_start, window_end, \(column)
        """
    }

    /// A built-in query compiled: what the engine runs for it under `config`.
    public static func query(_ query: QueryName, in config: TripstreamConfig) throws(SQLError) -> AnalyticQuery {
        try QueryAnalyzer.compile(sql(query, in: config), name: query.rawValue)
    }
}
