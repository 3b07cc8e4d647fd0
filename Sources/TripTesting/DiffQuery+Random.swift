import TripCore
import TripFixtures

extension DiffQuery {
    /// Columns a random query may group by: text and integer, each NULL in some rows.
    static let groupColumns: [TripColumn] = [.taxiID, .paymentType, .company, .pickupCentroidLocation,
                                             .dropoffCentroidLocation, .pickupCommunityArea, .dropoffCommunityArea,
                                             .pickupCensusTract, .tripSeconds]
    static let numericColumns = TripColumn.allCases.filter { $0.type.isNumeric }
    static let rowColumns = TripColumn.allCases.filter { !$0.isPseudo && $0 != .eventTimestamp }
    static let textColumns = TripColumn.allCases.filter { $0.type == .text && $0 != .tripID }

    /// A random valid query named `name`: window shape, time column, filter, groups, aggregates, mode, delay.
    public static func random(name: String, _ r: inout SplitMix64) -> DiffQuery {
        let time: TripColumn = r.chance(0.6) ? .tripStartTimestamp : .tripEndTimestamp
        let window = randomWindow(&r)
        var groups: [TripColumn] = []
        for _ in 0..<r.below(3) {
            let c = groupColumns[r.below(groupColumns.count)]
            if !groups.contains(c) { groups.append(c) }
        }
        let aggregates = (0..<(1 + r.below(5))).map { _ in randomAggregate(&r) }
        var outputs: [(output: Output, name: String)] = []
        if window == .day && r.chance(0.5) {
            outputs.append((.day, "day"))
        } else {
            outputs += [(.windowStart, "window_start"), (.windowEnd, "window_end")]
        }
        outputs += groups.map { (.group($0), $0.name) }
        for (i, a) in aggregates.enumerated() {
            let name = defaultName(a)
            let taken = outputs.contains { $0.name == name }
            outputs.append((.aggregate(i), taken || r.chance(0.3) ? "a\(i)_\(a.function.rawValue)" : name))
        }
        outputs.shuffle(using: &r)
        let delays: [EventTime] = [0, 0, 1000, 30_000, 300_000, 900_000, 3_600_000, 3 * 3_600_000]
        return DiffQuery(name: name, window: window, time: time, filter: r.chance(0.75) ? condition(&r, depth: 0) : nil,
                         groups: groups, aggregates: aggregates, outputs: outputs,
                         watermarkDelay: delays[r.below(delays.count)],
                         mode: OutputMode.allCases[r.below(OutputMode.allCases.count)])
    }

    /// Tumbling and sliding windows from seconds to hours (sizes not always a multiple of the slide, a row in at
    /// most a dozen windows), 24-hour durations, and local days.
    static func randomWindow(_ r: inout SplitMix64) -> Window {
        switch r.below(6) {
        case 0: return .day
        case 1, 2:
            let sizes: [Int64] = [1, 7, 45, 60, 90, 300, 600, 900, 1800, 3600, 7200, 10_800, 86_400]
            let s = sizes[r.below(sizes.count)] * 1000
            return .fixed(size: s, slide: s)
        default:
            let slides: [Int64] = [5, 15, 30, 60, 300, 900, 1800, 3600]
            let slide = slides[r.below(slides.count)] * 1000
            var size = slide * Int64(2 + r.below(6))
            if r.chance(0.5) { size += Int64(1 + r.below(Int(slide / 1000) - 1)) * 1000 }  // slides are at least 5 s
            return .fixed(size: size, slide: slide)
        }
    }

    static func randomAggregate(_ r: inout SplitMix64) -> Aggregate {
        switch r.below(9) {
        case 0: return Aggregate(.count)
        case 1: return Aggregate(.count, rowColumns[r.below(rowColumns.count)])
        case 2: return Aggregate(.sum, numeric(&r))
        case 3: return Aggregate(.avg, numeric(&r))
        case 4:
            let c = numeric(&r)
            return Aggregate(.avg, c, round: r.below(maxDigits(c) + 1))
        case 5:
            let c = numeric(&r)
            return Aggregate(.sum, c, round: r.below(maxDigits(c) + 1))
        case 6, 7:
            let pool = numericColumns + [.tripStartTimestamp, .tripEndTimestamp]
            return Aggregate(r.chance(0.5) ? .min : .max, pool[r.below(pool.count)])
        default:
            // Decimal columns' extremes, often where rounding and scale matter most.
            let pool: [TripColumn] = [.fare, .tips, .pickupCentroidLatitude, .dropoffCentroidLongitude, .tripMiles]
            return Aggregate(r.chance(0.5) ? .min : .max, pool[r.below(pool.count)])
        }
    }

    static func numeric(_ r: inout SplitMix64) -> TripColumn { numericColumns[r.below(numericColumns.count)] }

    /// Digits a ROUND may keep so that the rounded value (up to ~1.7e10 for census tracts) stays exact in the
    /// mirror's REAL.
    static func maxDigits(_ c: TripColumn) -> Int {
        c == .pickupCensusTract || c == .dropoffCensusTract ? 4 : 9
    }

    static func condition(_ r: inout SplitMix64, depth: Int) -> Condition {
        if depth < 2 && r.chance(0.45) {
            switch r.below(3) {
            case 0: return .and(condition(&r, depth: depth + 1), condition(&r, depth: depth + 1))
            case 1: return .or(condition(&r, depth: depth + 1), condition(&r, depth: depth + 1))
            default: return .not(condition(&r, depth: depth + 1))
            }
        }
        switch r.below(5) {
        case 0:
            let c = rowColumns[r.below(rowColumns.count)]
            return .isNull(c, negated: r.chance(0.6))
        case 1:
            let c = textColumns[r.below(textColumns.count)]
            return .equalsText(c, textValue(c, &r), negated: r.chance(0.4))
        case 2:
            let c = textColumns[r.below(textColumns.count)]
            let n = 1 + r.below(3)
            return .inList(c, [], (0..<n).map { _ in textValue(c, &r) }, negated: r.chance(0.3))
        default:
            let c = numericColumns[r.below(numericColumns.count)]
            if r.chance(0.2) {
                return .inList(c, (0..<(1 + r.below(3))).map { _ in numberValue(c, &r) }, [], negated: r.chance(0.3))
            }
            let ops = ["=", "<>", "<", "<=", ">", ">="]
            return .compare(c, ops[r.below(ops.count)], numberValue(c, &r))
        }
    }

    /// A literal the column's values often equal (and sometimes one they never do).
    static func textValue(_ c: TripColumn, _ r: inout SplitMix64) -> String {
        if r.chance(0.1) { return "nobody's" }
        switch c {
        case .taxiID: return DiffInput.taxis[r.below(DiffInput.taxis.count)]
        case .paymentType: return DiffInput.payments[r.below(DiffInput.payments.count)]
        case .company: return DiffInput.companies[r.below(DiffInput.companies.count)]
        default:
            let p = DiffInput.centroids[r.below(DiffInput.centroids.count)]
            return "POINT (\(DiffInput.decimal(p.lon, scale: 9, digits: 9))0 \(DiffInput.decimal(p.lat, scale: 9, digits: 9))0)"
        }
    }

    /// A fixed-point literal in the range of the column's generated values.
    static func numberValue(_ c: TripColumn, _ r: inout SplitMix64) -> Int64 {
        switch c {
        case .tripSeconds: return Int64(r.below(4000))
        case .tripMiles: return Int64(r.below(3000))
        case .pickupCensusTract, .dropoffCensusTract: return DiffInput.tracts[r.below(DiffInput.tracts.count)]
        case .pickupCommunityArea, .dropoffCommunityArea: return Int64(r.below(80))
        case .fare, .tripTotal: return Int64(r.below(5000)) - 10
        case .tips, .tolls, .extras: return DiffInput.smallMoney[r.below(DiffInput.smallMoney.count)]
        default:
            let p = DiffInput.centroids[r.below(DiffInput.centroids.count)]
            let v = c == .pickupCentroidLatitude || c == .dropoffCentroidLatitude ? p.lat : p.lon
            return v + Int64(r.below(3)) - 1
        }
    }
}
