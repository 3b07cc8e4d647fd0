import ArgumentParser
import TripCore

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Print the effective configuration (profile + file + flags) as JSON; fails on invalid settings.")

    @OptionGroup var options: ConfigOptions

    func run() throws {
        print(ConfigJSON.render(try options.resolve()))
    }
}

enum ConfigJSON {
    static func duration(_ ms: EventTime) -> String {
        ms % 3_600_000 == 0 ? "\"\(ms / 3_600_000)h\"" : ms % 60_000 == 0 ? "\"\(ms / 60_000)m\""
            : ms % 1000 == 0 ? "\"\(ms / 1000)s\"" : "\"\(ms)ms\""
    }

    static func render(_ c: TripstreamConfig) -> String {
        var queries: [String] = []
        for q in QueryName.allCases {
            let s = c[q]
            var fields: [String] = []
            if q != .tripsTotal {
                fields.append("\"window\": \(duration(s.window.length))")
                fields.append("\"slide\": \(duration(s.window.slide))")
            }
            fields.append("\"watermark\": \(duration(s.watermarkDelay))")
            fields.append("\"mode\": \"\(s.mode.rawValue)\"")
            queries.append("    \"\(q.rawValue)\": {\(fields.joined(separator: ", "))}")
        }
        return """
        {
          "tenant": "\(c.tenant)",
          "time_column": "\(c.timeColumn.rawValue)",
          "time_zone": "\(c.timeZone.identifier)",
          "epoch_rows": \(c.epochRows),
          "queries": {
        \(queries.joined(separator: ",\n"))
          }
        }
        """
    }
}
