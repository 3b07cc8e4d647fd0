/// Proleptic Gregorian calendar arithmetic on day numbers (days since 1970-01-01), without Foundation.
/// Algorithms after Howard Hinnant's `days_from_civil` / `civil_from_days` (public domain descriptions).
public enum CivilDate {
    /// Day number of a calendar date. `month` is 1...12, `day` 1...31 (not range-checked here).
    @inlinable
    public static func dayNumber(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Calendar date of a day number.
    @inlinable
    public static func date(ofDay dayNumber: Int) -> (year: Int, month: Int, day: Int) {
        let z = dayNumber + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    @inlinable
    public static func isLeapYear(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    @inlinable
    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// `YYYY-MM-DD` for a day number (the `day` column of `trips_total`).
    public static func isoDay(_ dayNumber: Int) -> String {
        let d = date(ofDay: dayNumber)
        return pad(d.year, 4) + "-" + pad(d.month, 2) + "-" + pad(d.day, 2)
    }

    /// Parses `YYYY-MM-DD` into a day number; nil when malformed or out of range.
    public static func parseISODay(_ text: String) -> Int? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
              (1...12).contains(m), d >= 1, d <= daysInMonth(year: y, month: m) else { return nil }
        return dayNumber(year: y, month: m, day: d)
    }

    /// UTC `YYYY-MM-DDTHH:MM:SSZ` for Unix seconds (windows in CLI output and Kafka values).
    public static func isoUTC(seconds: Int64) -> String {
        let day = Int(floorDiv(seconds, 86_400))
        let sod = Int(seconds - Int64(day) * 86_400)
        let d = date(ofDay: day)
        return pad(d.year, 4) + "-" + pad(d.month, 2) + "-" + pad(d.day, 2) + "T"
            + pad(sod / 3600, 2) + ":" + pad(sod / 60 % 60, 2) + ":" + pad(sod % 60, 2) + "Z"
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let s = String(value)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}

/// Floor division and modulo (Swift's `/` and `%` truncate toward zero; windows before 1970 need floor).
@inlinable
public func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}

@inlinable
public func floorMod(_ a: Int64, _ b: Int64) -> Int64 {
    let r = a % b
    return (r != 0 && (r < 0) != (b < 0)) ? r + b : r
}
