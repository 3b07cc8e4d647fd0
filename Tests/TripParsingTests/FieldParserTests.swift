import Foundation
import Testing
import TripCore
@testable import TripParsing

@Suite struct FieldParserTests {
    @Test func money() throws {
        #expect(try cents("7.65") == 765)
        #expect(try cents("$7.65") == 765)
        #expect(try cents("$0.00") == 0)
        #expect(try cents("31.5") == 3150)  // pandas-saved
        #expect(try cents("5") == 500)
        #expect(try cents(" $12.05 ") == 1205)
        #expect(try cents("-3.25") == -325)
        #expect(try cents("$1,234.50") == 123_450)
        #expect(try cents("2.005") == 201)  // third decimal rounds half away from zero
        #expect(try cents("2.004") == 200)
        #expect(try cents("") == nil)
        #expect(try cents("   ") == nil)
        #expect(throws: FieldError.notANumber) { try cents("$7.6x") }
        #expect(throws: FieldError.notANumber) { try cents("abc") }
        #expect(throws: FieldError.notANumber) { try cents("$") }
        #expect(throws: FieldError.notANumber) { try cents(".") }
    }

    /// The one-pass path for `12.34` / `$12.34` agrees with the general money parser wherever it answers, and
    /// answers for those forms; `cents` gives the general parser's outcome for everything.
    @Test func plainMoneyFastPathAgreesWithTheGeneralParser() {
        var state: UInt64 = 99
        func next(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(n))
        }
        func outcome(_ parse: () throws(FieldError) -> Int64?) -> Int64?? {
            do { return .some(try parse()) } catch { return .none }
        }
        var answered = 0, plainForms = 0
        for _ in 0..<20_000 {
            var text = ["", "", "$", "-", "+", "$-", " "][next(7)]
            text += String((0..<next(18)).map { _ in Character(String(next(10))) })
            if next(6) == 0 { text += "," + String(next(1000)) }
            if next(5) != 0 { text += "." + String((0..<[2, 2, 2, 0, 1, 3][next(6)]).map { _ in Character(String(next(10))) }) }
            if next(10) == 0 { text += ["x", " ", "$", ".", "5"][next(5)] }
            let bytes = Array(text.utf8)
            let isPlain = text.range(of: #"^\$?[0-9]{1,15}\.[0-9]{2}$"#, options: .regularExpression) != nil
            if isPlain { plainForms += 1 }
            bytes.withUnsafeBytes { p in
                let general = outcome { () throws(FieldError) in try FieldParsers.generalCents(FieldParsers.trimmed(p)) }
                if let fast = FieldParsers.plainCents(FieldParsers.trimmed(p)) {
                    answered += 1
                    #expect(general == .some(fast), "\(text)")
                }
                #expect(outcome { () throws(FieldError) in try FieldParsers.cents(p) } == general, "\(text)")
            }
        }
        #expect(plainForms > 2_000 && answered >= plainForms, "answered \(answered), plain \(plainForms)")
    }

    @Test func integers() throws {
        func int(_ s: String) throws -> Int64? { try Array(s.utf8).withUnsafeBytes { try FieldParsers.integer($0) } }
        #expect(try int("32") == 32)
        #expect(try int("32.0") == 32)
        #expect(try int("8.00") == 8)
        #expect(try int("") == nil)
        #expect(throws: FieldError.notAnInteger) { try int("3.5") }
        #expect(throws: FieldError.notAnInteger) { try int("x") }
    }

    @Test func portalTimestamps() throws {
        let day = EventTime(CivilDate.dayNumber(year: 2015, month: 4, day: 18)) * 86_400_000
        #expect(try parseTime("04/18/2015 12:00:00 AM") == .local(day))
        #expect(try parseTime("04/18/2015 12:15:00 PM") == .local(day + (12 * 60 + 15) * 60_000))
        #expect(try parseTime("04/18/2015 01:45:00 PM") == .local(day + (13 * 60 + 45) * 60_000))
        #expect(try parseTime("04/18/2015 11:59:59 PM") == .local(day + 86_399_000))
        // spreadsheet-style: no padding, 24 h, no seconds
        #expect(try parseTime("4/18/2015 9:15") == .local(day + (9 * 60 + 15) * 60_000))
        #expect(try parseTime("") == nil)
    }

    /// The fixed-position fast path for `MM/DD/YYYY hh:mm:ss AM` agrees with the general parser wherever it
    /// answers, declines whatever is out of range (so the general parser names it), and answers for nearly
    /// every valid portal timestamp.
    @Test func portalLayoutFastPathAgreesWithTheGeneralParser() throws {
        var state: UInt64 = 0x1234_5678
        func next(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(n))
        }
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        var answered = 0, valid = 0
        for _ in 0..<20_000 {
            // Mostly valid values, sometimes just out of range; sometimes a byte replaced by anything.
            let month = next(14), day = next(33), hour = next(14), minute = next(61), second = next(61)
            let year = [1999, 2000, 2015, 2016, 2023, 2100][next(6)]
            let meridiem = ["AM", "PM", "am", "pm", "XM", "A "][next(6)]
            var bytes = Array("\(two(month))/\(two(day))/\(year) \(two(hour)):\(two(minute)):\(two(second)) \(meridiem)".utf8)
            if next(8) == 0 { bytes[next(bytes.count)] = UInt8(next(128)) }
            let isValid = (1...12).contains(month) && day >= 1 && day <= CivilDate.daysInMonth(year: year, month: month)
                && (1...12).contains(hour) && minute <= 59 && second <= 59 && ["AM", "PM", "am", "pm"].contains(meridiem)
            // .none: the parser threw; .some(x): it returned x.
            func outcome(_ parse: () throws(FieldError) -> ParsedTimestamp?) -> ParsedTimestamp?? {
                do { return .some(try parse()) } catch { return .none }
            }
            bytes.withUnsafeBytes { p in
                let general = outcome { () throws(FieldError) in try FieldParsers.generalTimestamp(p) }
                if let fast = FieldParsers.portalLayout(p) {
                    answered += 1
                    #expect(general == .some(.local(fast)), "\(String(decoding: bytes, as: UTF8.self))")
                }
                #expect(outcome { () throws(FieldError) in try FieldParsers.timestamp(p) } == general)
            }
            if isValid { valid += 1 }
        }
        // Valid ones unless a random byte broke them: the fast path takes at least those intact.
        #expect(valid > 1_000 && answered >= valid * 7 / 8, "answered \(answered) of \(valid) valid")
    }

    @Test func isoAndUnixTimestamps() throws {
        #expect(try parseTime("2015-04-18T05:00:00Z") == .instant(utc(2015, 4, 18, 5)))
        #expect(try parseTime("2015-04-18T00:00:00-05:00") == .instant(utc(2015, 4, 18, 5)))
        #expect(try parseTime("2015-04-18T10:30:00+0530") == .instant(utc(2015, 4, 18, 5)))
        #expect(try parseTime("2015-04-18 00:15:00.123456") == .local(utc(2015, 4, 18, 0, 15) + 123))
        #expect(try parseTime("2015-04-18") == .local(utc(2015, 4, 18)))
        #expect(try parseTime("1400269500") == .instant(1_400_269_500_000))
        #expect(try parseTime("1400269500123") == .instant(1_400_269_500_123))
        #expect(try parseTime("1400269500.5") == .instant(1_400_269_500_500))
    }

    @Test func badTimestampsSayWhy() throws {
        #expect(throws: FieldError.badTimestamp("month 13 out of range")) { try parseTime("13/45/2015 10:00:00 AM") }
        #expect(throws: FieldError.badTimestamp("day 31 does not exist in 2015-4")) { try parseTime("04/31/2015 10:00:00 AM") }
        #expect(throws: FieldError.badTimestamp("day 29 does not exist in 2015-2")) { try parseTime("2015-02-29T00:00:00") }
        #expect(throws: FieldError.badTimestamp("hour 13 out of range for AM/PM")) { try parseTime("04/18/2015 13:00:00 PM") }
        #expect(throws: FieldError.badTimestamp("minute 61 out of range")) { try parseTime("04/18/2015 10:61:00") }
        #expect(throws: FieldError.badTimestamp(FieldParsers.formatHint)) { try parseTime("yesterday") }
        #expect(throws: FieldError.badTimestamp(FieldParsers.formatHint)) { try parseTime("20150418") }
        #expect(throws: FieldError.badTimestamp(FieldParsers.formatHint)) { try parseTime("04/18/2015 10:00:00 XM") }
    }

    /// America/Chicago: CST −6 h, CDT −5 h; DST 2015-03-08 02:00 → 03:00 and 2015-11-01 02:00 → 01:00.
    @Test func localTimesInChicagoAcrossDST() throws {
        func event(_ s: String) throws -> EventTime { try parseTime(s)!.eventTime(in: chicago) }
        #expect(try event("01/15/2015 12:00:00 AM") == utc(2015, 1, 15, 6))
        #expect(try event("07/15/2015 12:00:00 AM") == utc(2015, 7, 15, 5))
        #expect(try event("03/08/2015 01:45:00 AM") == utc(2015, 3, 8, 7, 45))
        #expect(try event("03/08/2015 03:00:00 AM") == utc(2015, 3, 8, 8))
        // the skipped hour moves forward by the gap (java.time): 02:30 → 03:30 CDT
        #expect(try event("03/08/2015 02:30:00 AM") == utc(2015, 3, 8, 8, 30))
        // the repeated hour takes the earlier instant (CDT)
        #expect(try event("11/01/2015 01:30:00 AM") == utc(2015, 11, 1, 6, 30))
        #expect(try event("11/01/2015 02:00:00 AM") == utc(2015, 11, 1, 8))
        #expect(try event("11/01/2015 12:45:00 AM") == utc(2015, 11, 1, 5, 45))
    }

    @Test func localDaysAndDayBounds() {
        // 2015-03-08 is 23 hours long in Chicago, 2015-11-01 is 25.
        let march8 = Int64(CivilDate.dayNumber(year: 2015, month: 3, day: 8))
        #expect(chicago.startOfDay(march8 + 1) - chicago.startOfDay(march8) == 23 * 3600)
        let nov1 = Int64(CivilDate.dayNumber(year: 2015, month: 11, day: 1))
        #expect(chicago.startOfDay(nov1 + 1) - chicago.startOfDay(nov1) == 25 * 3600)
        #expect(chicago.localDay(ofUTC: utc(2015, 3, 9, 4, 59) / 1000) == march8)
        #expect(chicago.localDay(ofUTC: utc(2015, 3, 9, 5) / 1000) == march8 + 1)
    }
}
