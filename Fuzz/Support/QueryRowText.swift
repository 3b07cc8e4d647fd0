import TripCore

/// The layout the decoder targets fill: every column, text interned except two columns coded by literal
/// (one with a quote in a literal, one with no literal at all).
func everyColumnLayout() -> RowLayout {
    var layout = RowLayout()
    layout.columns = TripColumn.allCases
    for c in layout.columns where c.type == .text {
        layout.textCoding[c] = switch c {
        case .paymentType: .literals(["Cash", "Credit Card", "\"q\""])
        case .tripID: .literals([])
        default: .interned
        }
    }
    return layout
}

/// A decoded row written back as a JSON message: numbers as fixed-point decimals, times as ISO 8601 UTC with
/// milliseconds, interned text as its bytes, a literal code as its literal (-1 as a text equal to none).
/// Decoding it with the same layout and interner must give the same row. nil when a time has no ISO form.
func jsonMessage(of row: QueryRow, layout: RowLayout, texts: StringInterner) -> [UInt8]? {
    var out: [UInt8] = [0x7B]
    for column in layout.columns where !column.isPseudo {
        guard let value = row[column] else { continue }
        if out.count > 1 { out.append(0x2C) }
        out += Array("\"\(column.name)\":".utf8)
        switch column.type {
        case .integer: out += Array(String(value).utf8)
        case .decimal(let scale): out += Array(fixedPointText(value, scale: scale).utf8)
        case .timestamp:
            guard let iso = TripText.isoMilliseconds(value) else { return nil }
            out += Array("\"\(iso)\"".utf8)
        default:
            if case .literals(let list)? = layout.textCoding[column] {
                out += TripText.jsonString(Array((value >= 0 ? list[Int(value)] : "\u{1}none" + list.joined()).utf8))
            } else {
                out += TripText.jsonString(texts.withBytes(of: LocationID(value)) { Array($0) })
            }
        }
    }
    out.append(0x7D)
    return out
}

/// `value` / 10^scale written exactly: `-0.05` for -5 at scale 2.
func fixedPointText(_ value: Int64, scale: Int) -> String {
    var unit: UInt64 = 1
    for _ in 0..<scale { unit *= 10 }
    let magnitude = value.magnitude
    let fraction = String(String(magnitude % unit + unit).dropFirst())
    return (value < 0 ? "-" : "") + "\(magnitude / unit)" + (scale > 0 ? "." + fraction : "")
}

