import Foundation
import TripCore
import TripSQLite

/// Renders query results as an aligned table, CSV or JSON lines.
public enum ResultFormatter {
    public static func render(_ r: MirrorQuery.Result, format: String) -> String {
        switch format {
        case "csv":
            var out = r.columns.joined(separator: ",") + "\n"
            for row in r.rows { out += row.map(csvCell).joined(separator: ",") + "\n" }
            return out
        case "jsonl":
            var out = ""
            for row in r.rows {
                out += "{" + zip(r.columns, row).map { "\"\($0)\":\(jsonValue($1))" }.joined(separator: ",") + "}\n"
            }
            return out
        default:
            let cells = [r.columns] + r.rows.map { $0.map(tableCell) }
            let widths = r.columns.indices.map { i in cells.map { $0[i].count }.max() ?? 0 }
            var out = ""
            for (n, row) in cells.enumerated() {
                out += row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
                    .joined(separator: "  ") + "\n"
                if n == 0 { out += widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n" }
            }
            out += "(\(r.rows.count) rows)\n"
            return out
        }
    }

    public static func tableCell(_ v: SQLiteValue) -> String {
        if case .real(let d) = v { return String(format: "%.2f", d) }
        return v.description
    }

    public static func csvCell(_ v: SQLiteValue) -> String {
        switch v {
        case .null: return ""
        case .real(let d): return String(format: "%.2f", d)
        case .text(let s) where s.contains(",") || s.contains("\"") || s.contains("\n"):
            return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        default: return v.description
        }
    }

    public static func jsonValue(_ v: SQLiteValue) -> String {
        switch v {
        case .null: return "null"
        case .integer(let i): return String(i)
        case .real(let d): return String(format: "%.2f", d)
        case .text(let s): return JSONText.string(s)
        }
    }
}
