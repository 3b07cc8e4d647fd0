import Testing
import TripCore
@testable import TripEngine

@Suite struct SnapshotTests {
    /// A state with open windows, retained windows (complete mode), days, locations and counters.
    func busyEngine() -> Engine {
        var c = config(delay: 60_000, mode: .complete)
        c.hotspotWindow.mode = .update
        var e = Engine(config: c)
        for i in 0..<200 {
            _ = e.ingest(trip(Double(i % 50) * 0.7 + Double(i / 50) * 9, fare: i % 5 == 0 ? nil : Int64(i), area: Int32(i % 9)),
                         location: "POINT (\(i % 7) 41.9)")
            if i % 40 == 39 { _ = e.endEpoch() }
        }
        return e
    }

    @Test func stateRoundTripsExactly() throws {
        let e = busyEngine()
        let bytes = e.state.snapshot()
        let restored = try EngineState(snapshot: bytes)
        #expect(restored == e.state)
        #expect(restored.snapshot() == bytes)
        let fare = e.state.queries[e.index(of: .sumFareWindow)!]
        #expect(fare.retained.count > 0 && e.state.queries.allSatisfy { $0.windows.count > 0 })
    }

    /// A restored engine continues exactly like the original: same outputs for the same next epochs.
    @Test func restoredEngineContinuesIdentically() throws {
        var a = busyEngine()
        var b = Engine(config: a.config, state: try EngineState(snapshot: a.state.snapshot()))
        for i in 0..<30 {
            let t = trip(40 + Double(i), area: Int32(i % 4))
            #expect(a.ingest(t, location: "POINT (\(i % 9) 41.9)") == b.ingest(t, location: "POINT (\(i % 9) 41.9)"))
        }
        #expect(a.endEpoch() == b.endEpoch())
        #expect(a.endEpoch(endOfInput: true) == b.endEpoch(endOfInput: true))
        #expect(a.state == b.state)
    }

    @Test func corruptSnapshotsAreErrorsNotCrashes() {
        let bytes = busyEngine().state.snapshot()
        #expect(throws: SnapshotError.self) { try EngineState(snapshot: Array(bytes.prefix(bytes.count / 2))) }
        #expect(throws: SnapshotError.self) { try EngineState(snapshot: Array(repeating: 7, count: 64)) }
        #expect(throws: SnapshotError.self) { try EngineState(snapshot: bytes + [0]) }
    }
}
