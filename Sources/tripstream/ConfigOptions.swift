import ArgumentParser
import Foundation
import TripCore
import TripSQL

/// Options that decide what is computed: a profile, a JSON config file, and flags that override both.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Built-in settings to start from: chicago (default; 1 h windows for 15-minute real data) or seed (the original job: 5 s tumbling, 1 min windows sliding 30 s, 10 s watermark).", valueName: "name"))
    var profile: String?

    @Option(name: .long, help: ArgumentHelp("JSON configuration file (see README: tenant, time_column, time_zone, epoch_rows, per-query window/slide/watermark/mode, new queries by SQL).", valueName: "file"))
    var config: String?

    @Option(name: .long, help: "Tenant name: namespaces the mirror's rows (default tenantstreamapp).")
    var tenant: String?

    @Option(name: .long, help: ArgumentHelp("Event time: trip_start (default), trip_end, event_timestamp, kafka_timestamp (run only), or ingest (wall clock when read; not reproducible).", valueName: "column"))
    var timeColumn: String?

    @Option(name: .long, help: ArgumentHelp("IANA time zone of local timestamps (default America/Chicago).", valueName: "zone"))
    var timeZone: String?

    @Option(name: .long, parsing: .unconditional,
            help: Self.epochRowsRange.help("Source records per epoch: the deterministic cut points of the input (default 10000)."),
            transform: Self.epochRowsRange.parse)
    var epochRows: Int?

    static let epochRowsRange = NumericRange(TripstreamConfig.epochRowsRange)

    /// The configuration with its queries checked (`ConfiguredQueries.resolve`): a bad query fails every command.
    func resolve() throws -> TripstreamConfig {
        var root: [String: Any] = [:]
        if let config {
            guard let data = FileManager.default.contents(atPath: config) else {
                throw ConfigError(key: "--config", "cannot read \(config)")
            }
            root = try TripstreamConfig.jsonObject(data, key: "--config", source: config)
        }
        // Flags override the file, which overrides the profile.
        if let profile { root["profile"] = profile }
        if let tenant { root["tenant"] = tenant }
        if let timeColumn { root["time_column"] = timeColumn }
        if let timeZone { root["time_zone"] = timeZone }
        if let epochRows { root["epoch_rows"] = epochRows }
        return try ConfiguredQueries.resolve(try TripstreamConfig.apply(root, to: nil))
    }
}

extension ConfigOptions {
    /// The names of the enabled SQL queries of the configuration file `path` (none without a file): for the
    /// commands that make a tenant's topics, which take no other configuration.
    static func sqlQueryNames(configFile path: String?) throws -> [String] {
        guard let path else { return [] }
        return try ConfiguredQueries.runnable(try ConfigOptions.parse(["--config", path]).resolve()).map(\.name)
    }

    /// The same options as command-line arguments (to run a child `tripstream` with this configuration).
    var arguments: [String] {
        var out: [String] = []
        if let profile { out += ["--profile", profile] }
        if let config { out += ["--config", config] }
        if let tenant { out += ["--tenant", tenant] }
        if let timeColumn { out += ["--time-column", timeColumn] }
        if let timeZone { out += ["--time-zone", timeZone] }
        if let epochRows { out += ["--epoch-rows", String(epochRows)] }
        return out
    }
}
