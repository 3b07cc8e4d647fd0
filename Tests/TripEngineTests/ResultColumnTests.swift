import Testing
import TripCore
@testable import TripEngine

/// A result column built from values (the sinks' tests and `QueryResults(rows:)` build them so).
@Suite struct ResultColumnTests {
    @Test func valuesOfOneKindWithNulls() {
        let c = ResultColumn(values: [.null, .text("b"), .text("a"), .null])
        #expect(c.kind == .text && c.count == 4)
        #expect(c.present == [false, true, true, false] && c.texts == ["b", "a"] && c.numbers[1...2] == [0, 1])
        let d = ResultColumn(values: [.decimal(150, scale: 2), .null])
        #expect(d.kind == .decimal(scale: 2) && d.numbers[0] == 150)
        #expect(ResultColumn(values: [.null]).kind == .integer)
    }

    /// Two kinds in one column would be read as one of them: it stops instead.
    @Test func aMixOfKindsStops() async {
        await #expect(processExitsWith: .failure) {
            _ = ResultColumn(values: [.integer(1), .null, .text("a")])
        }
        await #expect(processExitsWith: .failure) {
            _ = ResultColumn(values: [.decimal(1, scale: 2), .decimal(1, scale: 3)])
        }
    }
}
