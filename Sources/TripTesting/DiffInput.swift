import Foundation
import TripCore
import TripFixtures

/// One record of a differential-test input: the line as written and what each field stands for, kept by the
/// generator itself (never parsed back by tripstream's code), so the truth is independent of the decoders.
public struct DiffRecord: Sendable {
    /// Byte offset of the record in the file: the position its dead letters carry.
    public var offset: Int64
    public var line: String
    /// Numeric and timestamp columns by `TripColumn.rawValue`: fixed-point at the column's scale, timestamps in
    /// ms UTC; nil is NULL (an empty field) and also a field that does not parse (see `badColumns`).
    public var numbers: [Int64?]
    /// Text columns by `TripColumn.rawValue`, unquoted; nil is NULL (an empty field).
    public var texts: [String?]
    /// Columns whose field holds a value no decoder accepts: the record is rejected when a query reads one.
    public var badColumns: [TripColumn]
    /// A record rejected whatever is read: wrong field count or broken quoting.
    public var malformed: Bool
}

/// Generated portal CSV for the SQL differential test: every column filled (the fixture generator fills only
/// what the four built-ins read, and its output must not change), NULLs in every column kind, text with commas,
/// quotes and apostrophes, money that makes rounding ties, out-of-order rows, bad records of every kind, on the
/// local days around both 2015 DST changes in America/Chicago. Times are computed with Foundation's calendar.
public struct DiffInput {
    public var records: [DiffRecord]
    public var path: String

    public static let days = ["2015-03-07", "2015-03-08", "2015-03-09", "2015-10-31", "2015-11-01", "2015-11-02"]
    public static let taxis = (0..<12).map { "taxi-\($0)" }
    public static let payments = ["Cash", "Credit Card", "Unknown", "No Charge", "Mobile"]
    public static let companies = ["Flash Cab", "Taxicab Insurance Agency, LLC", "5 Star \"Elite\" Cab",
                                   "Dave's Cab", "Sun Taxi", "City Service"]
    public static let tracts: [Int64] = [17031081500, 17031320100, 17031839100, 17031280100, 17031980000]
    /// Centroids as fixed-point (scale 9) latitude and longitude; the location text is derived from them.
    /// Centroids as fixed-point (scale 9) latitude and longitude; the location text is derived from them.
    public static let centroids: [(lat: Int64, lon: Int64)] = (0..<8).map { (i: Int) -> (lat: Int64, lon: Int64) in
        let k = Int64(i)
        let lat: Int64 = 41_650_000_000 + k * 47_123_457
        let lon: Int64 = -87_910_000_000 + k * 48_765_431
        return (lat, lon)
    }
    /// Money values (cents) chosen so that averages hit half-cent ties, negatives included.
    static let smallMoney: [Int64] = [0, 5, 10, -5, -10, 15, 25, 100, 125]

    /// Writes `rows` records to `dir/name` (seeded), returning them with their truth.
    public static func generate(rows: Int, seed: UInt64, in dir: String, name: String = "diff.csv") throws -> DiffInput {
        var rng = SplitMix64(seed: seed)
        let zone = TimeZone(identifier: "America/Chicago")!
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let starts = instants(rows: rows, calendar: calendar, zone: zone, &rng)
        var text = TripGenerator.header + "\n"
        var records: [DiffRecord] = []
        records.reserveCapacity(rows)
        for start in starts {
            var record = makeRecord(start: start, calendar: calendar, zone: zone, &rng)
            record.offset = Int64(text.utf8.count)
            text += record.line + "\n"
            records.append(record)
        }
        let path = "\(dir)/\(name)"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return DiffInput(records: records, path: path)
    }

    /// Start instants (s) spread over `days` in order, a tenth of them moved back by up to three hours.
    static func instants(rows: Int, calendar: Calendar, zone: TimeZone, _ rng: inout SplitMix64) -> [Int64] {
        let bounds = days.map { day -> (Int64, Int64) in
            let p = day.split(separator: "-").map { Int($0)! }
            let d = calendar.date(from: DateComponents(year: p[0], month: p[1], day: p[2]))!
            return (Int64(d.timeIntervalSince1970),
                    Int64(calendar.date(byAdding: .day, value: 1, to: d)!.timeIntervalSince1970))
        }
        var out: [Int64] = []
        for (i, (lo, hi)) in bounds.enumerated() {
            let n = rows / bounds.count + (i < rows % bounds.count ? 1 : 0)
            var day: [Int64] = []
            while day.count < n {
                let t = lo + Int64(rng.below(Int(hi - lo)))
                if !nearTransition(t, zone) { day.append(t) }
            }
            out += day.sorted()
        }
        for i in out.indices where rng.chance(0.1) {
            let moved = out[i] - Int64(1 + rng.below(3 * 3600))
            if !nearTransition(moved, zone) { out[i] = moved }
        }
        return out
    }

    /// Within an hour of a DST change a local time may name two instants (or none): the portal's local
    /// timestamps cannot say which, so no generated time falls there.
    static func nearTransition(_ t: Int64, _ zone: TimeZone) -> Bool {
        let date = Date(timeIntervalSince1970: TimeInterval(t))
        let here = zone.secondsFromGMT(for: date)
        return here != zone.secondsFromGMT(for: date.addingTimeInterval(-3600))
            || here != zone.secondsFromGMT(for: date.addingTimeInterval(3600))
    }

    static func local(_ t: Int64, _ calendar: Calendar) -> String {
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second],
                                        from: Date(timeIntervalSince1970: TimeInterval(t)))
        func pad(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let hour12 = c.hour! % 12 == 0 ? 12 : c.hour! % 12
        return "\(pad(c.month!))/\(pad(c.day!))/\(c.year!) \(pad(hour12)):\(pad(c.minute!)):\(pad(c.second!)) "
            + (c.hour! < 12 ? "AM" : "PM")
    }

    /// `v` at `scale` written with `digits` decimals (the dropped ones are zeros).
    static func decimal(_ v: Int64, scale: Int, digits: Int) -> String {
        var unit: Int64 = 1
        for _ in 0..<scale { unit *= 10 }
        let sign = v < 0 ? "-" : ""
        let whole = abs(v) / unit
        let fraction = String(abs(v) % unit)
        let padded = String(repeating: "0", count: scale - fraction.count) + fraction
        return sign + String(whole) + (digits > 0 ? "." + padded.prefix(digits) : "")
    }

    /// A CSV field: quoted when it holds a comma or a quote (quotes doubled), sometimes quoted anyway.
    static func field(_ s: String, _ rng: inout SplitMix64) -> String {
        let needs = s.contains(",") || s.contains("\"")
        return needs || (!s.isEmpty && rng.chance(0.05)) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
