import Foundation
import TripCore
import TripFixtures

extension DiffInput {
    /// One record starting at `start` (s): every column drawn, then perhaps broken in one way.
    static func makeRecord(start: Int64, calendar: Calendar, zone: TimeZone, _ rng: inout SplitMix64) -> DiffRecord {
        let count = TripColumn.dropoffCentroidLocation.rawValue + 1
        var numbers = [Int64?](repeating: nil, count: count)
        var texts = [String?](repeating: nil, count: count)
        var fields = [String](repeating: "", count: count)
        func null(_ p: Double) -> Bool { rng.chance(p) }

        texts[TripColumn.tripID.rawValue] = rng.hex(16)
        texts[TripColumn.taxiID.rawValue] = null(0.03) ? nil : taxis[rng.below(taxis.count)]
        numbers[TripColumn.tripStartTimestamp.rawValue] = start * 1000
        fields[TripColumn.tripStartTimestamp.rawValue] = local(start, calendar)
        let seconds = Int64(rng.below(4000))
        let end = start + seconds
        if !null(0.05) && !nearTransition(end, zone) {
            numbers[TripColumn.tripEndTimestamp.rawValue] = end * 1000
            fields[TripColumn.tripEndTimestamp.rawValue] = local(end, calendar)
        }
        numbers[TripColumn.tripSeconds.rawValue] = null(0.05) ? nil : (rng.chance(0.8) ? seconds : Int64(rng.below(100)))
        numbers[TripColumn.tripMiles.rawValue] = null(0.05) ? nil : Int64(rng.below(300)) * (rng.chance(0.5) ? 10 : 1)
        for c in [TripColumn.pickupCensusTract, .dropoffCensusTract] where !null(0.3) {
            numbers[c.rawValue] = tracts[rng.below(tracts.count)]
        }
        for c in [TripColumn.pickupCommunityArea, .dropoffCommunityArea] where !null(0.05) {
            numbers[c.rawValue] = rng.chance(0.5) ? Int64([8, 32, 28, 76][rng.below(4)]) : Int64(1 + rng.below(77))
        }
        let fare: Int64 = rng.chance(0.2) ? smallMoney[rng.below(smallMoney.count)] : Int64(325 + rng.below(5000))
        let tips: Int64 = rng.chance(0.4) ? smallMoney[rng.below(smallMoney.count)] : Int64(rng.below(1000))
        let tolls: Int64 = rng.chance(0.05) ? 400 : 0
        let extras: Int64 = [0, 0, 100, 150][rng.below(4)]
        let money: [(TripColumn, Int64, Double)] = [(.fare, fare, 0.03), (.tips, tips, 0.05), (.tolls, tolls, 0.05),
                                                    (.extras, extras, 0.05), (.tripTotal, fare + tips + tolls + extras, 0.03)]
        for (c, v, p) in money where !null(p) { numbers[c.rawValue] = v }
        texts[TripColumn.paymentType.rawValue] = null(0.05) ? nil : payments[rng.below(payments.count)]
        texts[TripColumn.company.rawValue] = null(0.1) ? nil : companies[rng.below(companies.count)]
        let centroidColumns: [(TripColumn, TripColumn, TripColumn)] = [
            (.pickupCentroidLatitude, .pickupCentroidLongitude, .pickupCentroidLocation),
            (.dropoffCentroidLatitude, .dropoffCentroidLongitude, .dropoffCentroidLocation),
        ]
        for (lat, lon, location) in centroidColumns where !null(0.08) {
            let c = centroids[rng.below(centroids.count)]
            numbers[lat.rawValue] = c.lat
            numbers[lon.rawValue] = c.lon
            // As the portal: a WKT point, longitude first, ten decimals.
            texts[location.rawValue] = "POINT (\(decimal(c.lon, scale: 9, digits: 9))0 \(decimal(c.lat, scale: 9, digits: 9))0)"
        }

        for column in TripColumn.allCases where column.rawValue < count {
            let i = column.rawValue
            switch column.type {
            case .text: fields[i] = field(texts[i] ?? "", &rng)
            case .timestamp: break  // written above
            case .decimal(let scale):
                guard let v = numbers[i] else { continue }
                if scale == 9 {
                    fields[i] = decimal(v, scale: 9, digits: 9)
                } else if column == .tripMiles {
                    fields[i] = decimal(v, scale: 2, digits: v % 10 == 0 && rng.chance(0.5) ? 1 : 2)
                } else {
                    // The portal's `$12.25` and `12.25`, and the forms the money parser also reads.
                    let digits = v % 100 == 0 && rng.chance(0.3) ? 0 : v % 10 == 0 && rng.chance(0.3) ? 1 : 2
                    fields[i] = (v >= 0 && rng.chance(0.5) ? "$" : "") + decimal(v, scale: 2, digits: digits)
                }
            default:
                fields[i] = numbers[i].map(String.init) ?? ""
            }
        }
        var record = DiffRecord(offset: 0, line: "", numbers: numbers, texts: texts, badColumns: [], malformed: false)
        breakRecord(&record, &fields, &rng)
        record.line = fields.joined(separator: ",")
        return record
    }

    /// Breaks about one record in ten: a value no decoder accepts in one column, or the record itself.
    static func breakRecord(_ record: inout DiffRecord, _ fields: inout [String], _ rng: inout SplitMix64) {
        guard rng.chance(0.1) else { return }
        let bad: [(TripColumn, String)] = [
            (.tripStartTimestamp, "13/45/2015 10:00:00 AM"), (.tripStartTimestamp, ""),
            (.tripEndTimestamp, "yesterday"), (.tripSeconds, "12a"), (.tripMiles, "1.2.3"),
            (.pickupCensusTract, "1703l"), (.dropoffCensusTract, "x"), (.pickupCommunityArea, "3.5"),
            (.dropoffCommunityArea, "ten"), (.fare, "$7.6x"), (.tips, "--1"), (.tolls, "$"), (.extras, "1e2"),
            (.tripTotal, "12.3.4"), (.pickupCentroidLatitude, "41.8x"), (.pickupCentroidLongitude, "west"),
            (.dropoffCentroidLatitude, "4 1"), (.dropoffCentroidLongitude, "-87.6-"),
        ]
        let k = rng.below(bad.count + 3)
        if k < bad.count {
            let (column, text) = bad[k]
            fields[column.rawValue] = text
            record.numbers[column.rawValue] = nil
            record.badColumns = [column]
        } else if k == bad.count {
            fields.removeLast()
            record.malformed = true
        } else {
            fields[TripColumn.paymentType.rawValue] = k == bad.count + 1 ? "Cash \"tip" : "\"Cash\"x"
            record.malformed = true
        }
    }
}
