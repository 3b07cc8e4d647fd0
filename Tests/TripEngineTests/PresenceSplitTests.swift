import Testing
import TripCore
@testable import TripEngine

/// WHERE's top-level `IS NOT NULL` conjuncts become a column mask; what else it says stays a program.
@Suite struct PresenceSplitTests {
    @Test func topLevelIsNotNullConjunctsBecomeTheMask() {
        let miles = RowFilter.compare(.tripMiles, .greater, .number(0))
        let bit = { (c: TripColumn) in UInt64(1) << UInt64(c.rawValue) }
        let alone = RowFilter.isNotNull(.company).presenceSplit
        #expect(alone.required == bit(.company) && alone.rest == nil)
        let two = RowFilter.and([.isNotNull(.company), miles, .isNotNull(.pickupCommunityArea)]).presenceSplit
        #expect(two.required == bit(.company) | bit(.pickupCommunityArea) && two.rest == miles)
        let kept = RowFilter.and([miles, .isNull(.company), .isNotNull(.fare)]).presenceSplit
        #expect(kept.required == bit(.fare) && kept.rest == .and([miles, .isNull(.company)]))
        // Under OR or NOT an IS NOT NULL is no requirement of the row.
        let either = RowFilter.or([.isNotNull(.company), miles])
        #expect(either.presenceSplit.required == 0 && either.presenceSplit.rest == either)
        let negated = RowFilter.not(.isNotNull(.company))
        #expect(negated.presenceSplit.required == 0 && negated.presenceSplit.rest == negated)
    }
}
