import Testing
import TripCore
@testable import TripParsing

@Suite struct TripDecoderTests {
    static let portalHeader = "Trip ID,Taxi ID,Trip Start Timestamp,Trip End Timestamp,Trip Seconds,Trip Miles,Pickup Census Tract,Dropoff Census Tract,Pickup Community Area,Dropoff Community Area,Fare,Tips,Tolls,Extras,Trip Total,Payment Type,Company,Pickup Centroid Latitude,Pickup Centroid Longitude,Pickup Centroid Location,Dropoff Centroid Latitude,Dropoff Centroid Longitude,Dropoff Centroid  Location,Community Areas"
    // A real row of ../shared/data/chicago_taxi_portal_porterjenkins_31rows.csv
    static let portalRow = "fdf8653527a5df0c90f83e04d95f05d628b607d0,d3990b30cf39151c02a1fd95411768e41557a9c637a3ffb7aba96acda5acd81b69c4034e6c36f75e7e37bad3fb8e77fa03f315757e7f3b23200aa2516cc7db98,04/18/2015 12:00:00 AM,04/18/2015 12:15:00 AM,480,2.1,17031832000,17031031200,6,3,$7.65,$0.00,$0.00,$1.00,$8.65,Cash,Choice Taxi Association,41.946294536,-87.654298084,POINT (-87.6542980837 41.9462945357),41.972709547,-87.657341107,POINT (-87.6573411073 41.9727095466),57"

    @Test func headerNamesNormalize() {
        let h = CSVHeader(names: ["\u{FEFF}Trip ID", "Dropoff Centroid  Location", " Fare ", "trip_start_timestamp"])
        #expect(h.normalized == ["trip_id", "dropoff_centroid_location", "fare", "trip_start_timestamp"])
        #expect(h.names[0] == "Trip ID")
    }

    @Test func decodesARealPortalRow() throws {
        let (outcome, locations) = try decodeRow(Self.portalHeader, Self.portalRow)
        guard case .trip(let t) = outcome else { Issue.record("rejected: \(outcome)"); return }
        #expect(t.eventTime == utc(2015, 4, 18, 5))  // midnight CDT
        #expect(t.fareCents == 765)
        #expect(t.tipsCents == 0)
        #expect(t.tripTotalCents == 865)
        #expect(t.communityArea == 6)
        #expect(locations.string(t.pickupLocation!) == "POINT (-87.6542980837 41.9462945357)")
    }

    @Test func columnsAreFoundByNameInAnyOrder() throws {
        let header = "Community Areas,Tips,Pickup Centroid Location,Fare,Trip Start Timestamp,Pickup Community Area,Trip Total,Extra"
        let (outcome, _) = try decodeRow(header, "57,1.00,\"POINT (1 2)\",$3.00,2015-04-18T05:00:00Z,8,4.00,zzz")
        #expect(outcome == .trip(Trip(eventTime: utc(2015, 4, 18, 5), fareCents: 300, tipsCents: 100,
                                      tripTotalCents: 400, communityArea: 8, pickupLocation: 0)))
    }

    @Test func emptyFieldsAreNullsNotDeadLetters() throws {
        let header = "Trip Start Timestamp,Fare,Tips,Trip Total,Pickup Community Area,Pickup Centroid Location"
        let (outcome, _) = try decodeRow(header, "04/18/2015 12:00:00 AM,,,,,")
        #expect(outcome == .trip(Trip(eventTime: utc(2015, 4, 18, 5))))
    }

    @Test func pandasFloatsAndEscapedQuotesInLocation() throws {
        let header = "Trip Start Timestamp,Fare,Pickup Community Area,Pickup Centroid Location"
        let (outcome, locations) = try decodeRow(header, "10/01/2021 12:00:00 AM,31.5,32.0,\"POINT \"\"x\"\"\"")
        guard case .trip(let t) = outcome else { Issue.record("rejected"); return }
        #expect(t.fareCents == 3150)
        #expect(t.communityArea == 32)
        #expect(locations.string(t.pickupLocation!) == "POINT \"x\"")
    }

    @Test func rejectionsArePrecise() throws {
        let header = "Trip Start Timestamp,Fare,Tips,Pickup Community Area"
        #expect(try decodeRow(header, "04/18/2015 12:00:00 AM,1,2").0
                == .rejected("expected 4 fields as in the header, found 3"))
        #expect(try decodeRow(header, ",1,2,3").0 == .rejected("missing Trip Start Timestamp (the event time)"))
        #expect(try decodeRow(header, "13/45/2015 10:00:00 AM,1,2,3").0
                == .rejected("bad Trip Start Timestamp \"13/45/2015 10:00:00 AM\": month 13 out of range"))
        #expect(try decodeRow(header, "04/18/2015 12:00:00 AM,$7.6x,2,3").0 == .rejected("non-numeric Fare \"$7.6x\""))
        #expect(try decodeRow(header, "04/18/2015 12:00:00 AM,1,two,3").0 == .rejected("non-numeric Tips \"two\""))
        #expect(try decodeRow(header, "04/18/2015 12:00:00 AM,1,2,3.5").0
                == .rejected("non-integer Pickup Community Area \"3.5\""))
    }

    @Test func timeColumnChoice() throws {
        let header = "Trip Start Timestamp,Trip End Timestamp,event_timestamp"
        let row = "04/18/2015 12:00:00 AM,04/18/2015 12:15:00 AM,2015-04-18T06:00:00Z"
        #expect(try decodeRow(header, row, timeColumn: .tripEnd).0 == .trip(Trip(eventTime: utc(2015, 4, 18, 5, 15))))
        #expect(try decodeRow(header, row, timeColumn: .eventTimestamp).0 == .trip(Trip(eventTime: utc(2015, 4, 18, 6))))
    }

    @Test func missingTimeColumnIsAClearError() {
        #expect(throws: HeaderError.self) {
            _ = try TripDecoder(header: CSVHeader(names: ["Fare", "Tips"]), timeColumn: .tripStart, zone: chicago)
        }
        do {
            _ = try TripDecoder(header: CSVHeader(names: ["Fare"]), timeColumn: .tripEnd, zone: chicago)
        } catch {
            #expect("\(error)".contains("no trip_end_timestamp column"))
        }
    }
}
