import Foundation
import Testing
import TripSinks
import TripSQLite
import TripTesting

/// `"enabled": false` on a built-in: the replay leaves its table empty and every other table as a run with it
/// leaves them; `config` prints it; the Cassandra tools leave it out.
@Suite struct DisabledBuiltinTests {
    @Test func aDisabledBuiltinLeavesItsTableEmptyAndTheOthersAsBefore() throws {
        let dir = scratchDirectory("cli")
        let file = "\(dir)/off.json"
        try #"{"queries": {"hotspot_window": {"enabled": false}}}"#.write(toFile: file, atomically: true, encoding: .utf8)
        func replay(_ db: String, _ extra: [String]) throws {
            let r = try tripstream(["replay", repoRoot.appendingPathComponent("fixtures/trips-2k.csv").path, "--db",
                                    "\(dir)/\(db)", "--order", "file", "--epoch-rows", "300", "--no-checkpoint", "--quiet"] + extra)
            try #require(r.status == 0, "\(r.stderr)")
        }
        try replay("all.sqlite", [])
        try replay("off.sqlite", ["--config", file])
        let others = ["sum_fare_window", "trips_total", "hotspot_community_window"]
        let all = try mirrorDump("\(dir)/all.sqlite", tables: others + ["hotspot_window"])
        let off = try mirrorDump("\(dir)/off.sqlite", tables: others + ["hotspot_window", "dead_letters", "query_progress"])
        for t in others { #expect(off[t] == all[t] && !(off[t] ?? []).isEmpty, "\(t)") }
        #expect(off["hotspot_window"] == [] && !(all["hotspot_window"] ?? []).isEmpty)
        #expect(off["query_progress"]?.count == 3 && off["query_progress"]?.contains { $0.contains("hotspot_window|") } == false)
        #expect(off["dead_letters"]?.contains { $0.contains("|hotspot_window|") } == false)
        let printed = try tripstream(["config", "--config", file])
        #expect(printed.status == 0 && printed.stdout.contains(#""enabled": false"#), "\(printed.stdout)")
        let cql = try tripstream(["cassandra-schema", "--config", file])
        #expect(cql.status == 0 && !cql.stdout.contains("hotspotwindow") && cql.stdout.contains("sumfarewindow"),
                "\(cql.stdout)")
    }
}
