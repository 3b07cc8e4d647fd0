import Foundation
import TripCore

/// Options of `tripstream generate`.
public struct GeneratorOptions: Sendable {
    public var rows = 1000
    public var seed: UInt64 = 1
    /// First local day, `YYYY-MM-DD` (default spans the 2015-03-08 DST change with the default density).
    public var start = "2015-03-06"
    public var tripsPerDay = 500
    /// Fraction of rows moved earlier than their neighbours (out of order), by up to `maxLatenessSeconds`.
    public var disorder = 0.0
    public var maxLatenessSeconds = 3600
    /// Every row at an independent random time over the whole span: like the real export, sorted by Trip ID.
    public var shuffle = false
    /// Fraction of malformed rows (bad or missing timestamps, non-numeric money, wrong field count, bad quotes).
    public var badFraction = 0.0
    public var crlf = false
    public var bom = false
    public init() {}
}

/// The values a generated row stands for, computed independently of tripstream's parser (Foundation's
/// calendar does the time-zone work here): the reference for end-to-end checks.
public struct TruthTrip: Sendable, Equatable {
    public var tripID: String
    public var eventTimeSeconds: Int64
    public var localDay: String
    public var fareCents: Int64?
    public var tipsCents: Int64?
    public var tripTotalCents: Int64?
    public var communityArea: Int?
    public var location: String?
}

/// Realistic rows in the data portal's format: the 23 portal columns (two-space `Dropoff Centroid  Location`),
/// `MM/DD/YYYY hh:mm:ss AM` local times on 15-minute steps, `$` and plain money, quoted companies,
/// empty fields, community areas 1–77 skewed toward downtown, ~300 centroid locations, bad rows on request.
public final class TripGenerator {
    public static let header = "Trip ID,Taxi ID,Trip Start Timestamp,Trip End Timestamp,Trip Seconds,Trip Miles,"
        + "Pickup Census Tract,Dropoff Census Tract,Pickup Community Area,Dropoff Community Area,Fare,Tips,Tolls,"
        + "Extras,Trip Total,Payment Type,Company,Pickup Centroid Latitude,Pickup Centroid Longitude,"
        + "Pickup Centroid Location,Dropoff Centroid Latitude,Dropoff Centroid Longitude,Dropoff Centroid  Location"

    public let options: GeneratorOptions
    var rng: SplitMix64
    let calendar: Calendar
    let zone: TimeZone
    let firstDay: Date
    var produced = 0
    var dayIndex = 0
    var pending: [Int64] = []  // instants (s) of the current day, sorted, consumed from the front
    var pendingIndex = 0
    var formatted: [Int64: (text: String, day: String)] = [:]
    static let centroids: [(lat: Double, lon: Double)] = makeCentroids()
    static let areaWeights: [Double] = (1...77).map { area in
        // Downtown (8 Near North, 32 Loop, 28 Near West, 33 Near South) and O'Hare (76) dominate, as in reality.
        switch area {
        case 8: 30; case 32: 25; case 28: 12; case 76: 10; case 33: 6; case 6, 7, 24: 5
        default: 1
        }
    }
    static let companies = ["Flash Cab", "Taxi Affiliation Services", "Chicago Carriage Cab Corp",
                            "\"Taxicab Insurance Agency, LLC\"", "Sun Taxi", "City Service", "3897 - Ilie Malec",
                            "Blue Ribbon Taxi Association Inc.", "\"5 Star \"\"Elite\"\" Cab\"", ""]
    static let payments = ["Cash", "Credit Card", "Credit Card", "Unknown", "No Charge", "Mobile", "Prcard"]

    public init(options: GeneratorOptions) throws {
        self.options = options
        rng = SplitMix64(seed: options.seed)
        guard let zone = TimeZone(identifier: "America/Chicago") else { throw SourceGenError("no America/Chicago zone") }
        self.zone = zone
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = zone
        calendar = cal
        let parts = options.start.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, let day = cal.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2])) else {
            throw SourceGenError("--start must be a date YYYY-MM-DD, got \(options.start)")
        }
        firstDay = day
    }

    /// The next row as a CSV line (no line end) and what it stands for (nil for a deliberately bad row).
    public func next() -> (line: String, truth: TruthTrip?)? {
        guard produced < options.rows else { return nil }
        produced += 1
        let instant = nextInstant()
        let row = makeRow(at: instant)
        var line = row.0
        var truth: TruthTrip? = row.1
        if options.badFraction > 0 && rng.chance(options.badFraction) {
            line = corrupt(line)
            truth = nil
        }
        return (line, truth)
    }

    /// Writes header and all rows to a file handle.
    public func write(to handle: FileHandle) throws {
        let eol = options.crlf ? "\r\n" : "\n"
        var chunk = (options.bom ? "\u{FEFF}" : "") + Self.header + eol
        while let row = next() {
            chunk += row.line + eol
            if chunk.utf8.count > 1 << 20 {
                try handle.write(contentsOf: Data(chunk.utf8))
                chunk = ""
            }
        }
        try handle.write(contentsOf: Data(chunk.utf8))
    }

    // MARK: time

    var daysSpanned: Int { max(1, (options.rows + options.tripsPerDay - 1) / options.tripsPerDay) }

    func nextInstant() -> Int64 {
        var instant: Int64
        if options.shuffle {
            instant = drawInstant(day: rng.below(daysSpanned))
        } else {
            if pendingIndex >= pending.count {
                pending = (0..<options.tripsPerDay).map { _ in drawInstant(day: dayIndex) }.sorted()
                pendingIndex = 0
                dayIndex += 1
            }
            instant = pending[pendingIndex]
            pendingIndex += 1
        }
        if options.disorder > 0 && rng.chance(options.disorder) {
            let steps = max(1, options.maxLatenessSeconds / 900)
            let moved = instant - Int64(1 + rng.below(steps)) * 900
            if !nearTransition(moved) { instant = moved }
        }
        return instant
    }

    /// A 15-minute-aligned instant on local day `day` (after the first), busier by day than by night,
    /// never within an hour of a DST change (a repeated local hour cannot name one instant).
    func drawInstant(day: Int) -> Int64 {
        let dayStart = Int64(calendar.date(byAdding: .day, value: day, to: firstDay)!.timeIntervalSince1970)
        let dayEnd = Int64(calendar.date(byAdding: .day, value: day + 1, to: firstDay)!.timeIntervalSince1970)
        let slots = Int((dayEnd - dayStart) / 900)
        while true {
            // Diurnal shape: mix of uniform and a daytime bump.
            var slot = rng.below(slots)
            if rng.chance(0.6) { slot = min(slots - 1, 28 + rng.below(48)) }  // 07:00–19:00
            let t = dayStart + Int64(slot) * 900
            if !nearTransition(t) { return t }
        }
    }

    func nearTransition(_ t: Int64) -> Bool {
        let date = Date(timeIntervalSince1970: TimeInterval(t))
        let here = zone.secondsFromGMT(for: date)
        return here != zone.secondsFromGMT(for: date.addingTimeInterval(-3600))
            || here != zone.secondsFromGMT(for: date.addingTimeInterval(3600))
    }

    func local(_ t: Int64) -> (text: String, day: String) {
        if let cached = formatted[t] { return cached }
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second],
                                        from: Date(timeIntervalSince1970: TimeInterval(t)))
        let hour12 = c.hour! % 12 == 0 ? 12 : c.hour! % 12
        let text = "\(pad(c.month!))/\(pad(c.day!))/\(c.year!) \(pad(hour12)):\(pad(c.minute!)):\(pad(c.second!)) "
            + (c.hour! < 12 ? "AM" : "PM")
        let value = (text, "\(c.year!)-\(pad(c.month!))-\(pad(c.day!))")
        if formatted.count > 100_000 { formatted.removeAll() }
        formatted[t] = value
        return value
    }

    func pad(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }

    // MARK: fields

    func money(_ cents: Int64) -> String {
        let text = "\(cents / 100).\(pad(Int(cents % 100)))"
        return rng.chance(0.5) ? "$" + text : text
    }

    func area() -> Int {
        let total = Self.areaWeights.reduce(0, +)
        var x = rng.unit() * total
        for (i, w) in Self.areaWeights.enumerated() {
            x -= w
            if x < 0 { return i + 1 }
        }
        return 77
    }

    func makeRow(at start: Int64) -> (String, TruthTrip) {
        let tripID = rng.hex(40)
        let taxiID = taxi(rng.below(3000))
        let seconds = Int64(120 + rng.below(rng.chance(0.8) ? 1500 : 4000))
        let end = (start + seconds + 899) / 900 * 900
        let miles = Double(seconds) / 60 * (0.2 + rng.unit() * 0.4)
        let pickupArea: Int? = rng.chance(0.05) ? nil : area()
        let dropoffArea: Int? = rng.chance(0.06) ? nil : area()
        let pickupCentroid = pickupArea.map { ($0 - 1) * 4 + rng.below(4) }
        let dropoffCentroid = dropoffArea.map { ($0 - 1) * 4 + rng.below(4) }
        let payment = Self.payments[rng.below(Self.payments.count)]
        let fare: Int64 = 325 + Int64(miles * 225) + seconds / 36 * 25
        let tips: Int64 = payment == "Credit Card" ? fare * Int64(15 + rng.below(11)) / 100 : 0
        let tolls: Int64 = rng.chance(0.02) ? 400 : 0
        let extras: Int64 = [0, 0, 0, 100, 150, 200][rng.below(6)]
        let total = fare + tips + tolls + extras
        let fareValue: Int64? = rng.chance(0.003) ? nil : fare
        let tipsValue: Int64? = rng.chance(0.005) ? nil : tips
        let totalValue: Int64? = rng.chance(0.003) ? nil : total
        let (startText, day) = local(start)
        let endText = local(end).text
        func tract() -> String { rng.chance(0.3) ? "" : "17031\(100_000 + rng.below(900_000))" }
        func point(_ i: Int?) -> (String, String, String) {
            guard let i else { return ("", "", "") }
            let c = Self.centroids[i]
            return (String(format: "%.9f", c.lat), String(format: "%.9f", c.lon),
                    "POINT (" + String(format: "%.10f", c.lon) + " " + String(format: "%.10f", c.lat) + ")")
        }
        let p = point(pickupCentroid)
        let d = point(dropoffCentroid)
        let pickupLocationField = !p.2.isEmpty && rng.chance(0.05) ? "\"\(p.2)\"" : p.2
        let fields: [String] = [
            tripID, taxiID, startText, endText, String(seconds), String(format: "%.1f", miles), tract(), tract(),
            pickupArea.map(String.init) ?? "", dropoffArea.map(String.init) ?? "",
            fareValue.map(money) ?? "", tipsValue.map(money) ?? "", money(tolls), money(extras),
            totalValue.map(money) ?? "", payment, Self.companies[rng.below(Self.companies.count)],
            p.0, p.1, pickupLocationField, d.0, d.1, d.2,
        ]
        let truth = TruthTrip(tripID: tripID, eventTimeSeconds: start, localDay: day, fareCents: fareValue,
                              tipsCents: tipsValue, tripTotalCents: totalValue, communityArea: pickupArea,
                              location: p.2.isEmpty ? nil : p.2)
        return (fields.joined(separator: ","), truth)
    }

    func taxi(_ i: Int) -> String {
        var r = SplitMix64(seed: 0x7A41 &+ UInt64(i))
        return r.hex(128)
    }

    /// Breaks a good row in one of the ways real exports break.
    func corrupt(_ line: String) -> String {
        var fields = line.components(separatedBy: ",")
        switch rng.below(7) {
        case 0: fields[2] = "13/45/2015 10:00:00 AM"
        case 1: fields[2] = ""
        case 2: fields[10] = "$7.6x"
        case 3: fields.removeLast()
        case 4: fields[15] = "Cash \"tip"
        case 5: fields[15] = "\"Cash\"x"
        default: fields[8] = "3.5"
        }
        return fields.joined(separator: ",")
    }

    static func makeCentroids() -> [(lat: Double, lon: Double)] {
        var r = SplitMix64(seed: 0xC0FFEE)
        return (0..<(77 * 4)).map { _ in
            (41.65 + r.unit() * 0.37, -87.91 + r.unit() * 0.39)
        }
    }
}

public struct SourceGenError: Error, CustomStringConvertible {
    public let description: String
    init(_ d: String) { description = d }
}
