import TripCore

extension Engine {
    /// A trip given as values (a test's, a tool's) rather than decoded from a record, as a row: the columns the
    /// built-ins read — the configured time column, fare, tips, trip_total, pickup_community_area, and `location`
    /// as pickup_centroid_location (interned as a decoder would) — the others NULL. `trip.pickupLocation` (an id
    /// of some decoder's interner) is not read.
    public mutating func row(of trip: Trip, location: String? = nil) -> QueryRow {
        var row = QueryRow()
        row[TripColumn(config.timeColumn)] = trip.eventTime
        row[.fare] = trip.fareCents
        row[.tips] = trip.tipsCents
        row[.tripTotal] = trip.tripTotalCents
        row[.pickupCommunityArea] = trip.communityArea.map(Int64.init)
        row[.pickupCentroidLocation] = location.map { Int64(state.queryTexts.intern($0)) }
        return row
    }

    /// `row(of:location:)` ingested.
    public mutating func ingest(_ trip: Trip, location: String? = nil) -> LateMask {
        ingest(row(of: trip, location: location))
    }
}
