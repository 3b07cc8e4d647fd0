import Foundation
import Logging
import Testing
import TripCore
import TripFixtures
import TripKafka
import TripPipeline
import TripSinks
import TripSQLite
import TripTesting

let quietLogger: Logger = {
    var l = Logger(label: "tests")
    l.logLevel = .critical
    return l
}()

/// Checks every result table of the mirror against the independent computation.
func expectMirrorMatchesTruth(_ db: SQLiteDatabase, config: TripstreamConfig, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let tenant = config.tenant
    let fare = try MirrorRows.sumFare(db, tenant: tenant)
    #expect(fare == (try IndependentResults.sumFare(db, window: config.sumFareWindow.window.length / 1000)), sourceLocation: sourceLocation)
    #expect(!fare.isEmpty, sourceLocation: sourceLocation)
    #expect(try MirrorRows.tripsTotal(db, tenant: tenant) == (try IndependentResults.tripsTotal(db)), sourceLocation: sourceLocation)
    let c = config.hotspotCommunityWindow.window
    #expect(try MirrorRows.community(db, tenant: tenant) == (try IndependentResults.hotspots(
        db, column: "area", query: .hotspotCommunityWindow, length: c.length / 1000, slide: c.slide / 1000)), sourceLocation: sourceLocation)
    let l = config.hotspotWindow.window
    #expect(try MirrorRows.location(db, tenant: tenant) == (try IndependentResults.hotspots(
        db, column: "location", query: .hotspotWindow, length: l.length / 1000, slide: l.slide / 1000)), sourceLocation: sourceLocation)
}
