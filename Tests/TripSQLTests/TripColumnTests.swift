import Testing
import TripCore
@testable import TripSQL

@Suite struct TripColumnTests {
    @Test func everyPortalColumnIsInTheCatalogWithItsType() {
        // The portal header's columns in order (the snake_case names `produce` and the original app use).
        let portal = ["trip_id", "taxi_id", "trip_start_timestamp", "trip_end_timestamp", "trip_seconds", "trip_miles",
                      "pickup_census_tract", "dropoff_census_tract", "pickup_community_area", "dropoff_community_area",
                      "fare", "tips", "tolls", "extras", "trip_total", "payment_type", "company",
                      "pickup_centroid_latitude", "pickup_centroid_longitude", "pickup_centroid_location",
                      "dropoff_centroid_latitude", "dropoff_centroid_longitude", "dropoff_centroid_location"]
        #expect(TripColumn.allCases.map(\.name) == portal + ["event_timestamp", "kafka_timestamp", "ingest_time"])
        for column in TripColumn.allCases { #expect(TripColumn(name: column.name) == column) }
        for money in [TripColumn.fare, .tips, .tolls, .extras, .tripTotal] { #expect(money.type == .decimal(scale: 2)) }
        #expect(TripColumn.pickupCentroidLocation.type == .text && TripColumn.pickupCommunityArea.type == .integer)
        #expect(TripColumn.allCases.filter(\.isPseudo) == [.kafkaTimestamp, .ingestTime])
    }

    @Test func timeColumnsMapToTheEnginesTimeColumn() {
        for time in TimeColumn.allCases { #expect(TripColumn(time).timeColumn == time) }
        #expect(TripColumn.allCases.filter { $0.timeColumn != nil }.allSatisfy { $0.type == .timestamp })
    }

    @Test(arguments: [
        ("fares", "fare"), ("tip", "tips"), ("compnay", "company"), ("trip_mile", "trip_miles"),
        ("pickup_comunity_area", "pickup_community_area"), ("paymenttype", "payment_type"),
    ])
    func aCloseMisspellingSuggestsTheColumn(_ typed: String, _ suggested: String) {
        #expect(TripColumn.nearest(typed) == suggested)
    }

    @Test(arguments: ["x", "revenue", "start", "pickup", "zzzzzzzz"])
    func aNameFarFromEveryColumnSuggestsNothing(_ typed: String) {
        #expect(TripColumn.nearest(typed) == nil)
    }

    @Test func editDistanceCountsInsertionsDeletionsAndSubstitutions() {
        func d(_ a: String, _ b: String) -> Int { NameSuggestion.distance(Array(a.utf8), Array(b.utf8)) }
        #expect(d("", "abc") == 3 && d("abc", "") == 3 && d("kitten", "sitting") == 3 && d("fare", "fare") == 0)
    }
}
