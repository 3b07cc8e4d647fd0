import Foundation
import Testing
import TripTesting

/// The benchmark suite runs end to end (in the debug build: the figures mean nothing here, the mechanics do).
@Suite struct BenchTests {
    @Test func theSuiteRunsEachScenarioInItsOwnProcessAndWritesJSON() throws {
        let dir = scratchDirectory("cli")
        let r = try tripstream(["bench", "--rows", "3000", "--scenarios", "parse,replay,event-time,restart",
                                "--json", "\(dir)/b.json", "--tmp", dir, "--epoch-rows", "500"])
        #expect(r.status == 0, "\(r.stderr)")
        let document = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(dir)/b.json"))) as? [String: Any]
        let results = document?["results"] as? [[String: Any]] ?? []
        #expect(results.map { $0["scenario"] as? String } == ["parse", "replay", "event-time", "restart"])
        for result in results {
            let name = result["scenario"] as? String ?? "?"
            if name != "restart" {  // restart times start-up, not rows
                #expect(result["rows"] as? Int == 3000, "\(name)")
                #expect((result["rows_per_second"] as? Double ?? 0) > 0, "\(name)")
            }
            #expect((result["peak_rss_bytes"] as? Int ?? 0) > 1_000_000, "\(name)")
            #expect((result["targets"] as? [[String: Any]])?.isEmpty == false, "\(name) names its targets")
            #expect(r.stdout.contains("\n" + name.padding(toLength: 11, withPad: " ", startingAt: 0)), "\(name) in the table")
        }
        let restart = results.last?["figures"] as? [String: Double]
        #expect((restart?["restored_after_epoch"] ?? 0) >= 4)  // 6 epochs of 500 rows: restored late in the run
        #expect((restart?["restored_first_row_seconds"] ?? 0) > 0)
        let parse = results.first?["figures"] as? [String: Double]
        #expect((parse?["read_mb_per_second"] ?? 0) > 0)
        #expect((parse?["splitter_mb_per_second"] ?? 0) > 0)
        // The guard's yardstick splitter is no reader: an unbalanced quote in a generated bad row hides newlines
        // from it until the next quote. So at least one record and at most the header and 3000 rows.
        #expect((1...3001).contains(Int(parse?["splitter_records"] ?? 0)))
    }

    @Test func theGuardReportsItsRatios() throws {
        let dir = scratchDirectory("cli")
        let r = try tripstream(["bench", "--guard", "--rows", "2000", "--tmp", dir])
        // A debug build may be slow enough to trip the floors; the ratios are printed either way.
        #expect(r.stdout.contains("guard: replay/parse rows/s"), "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("parse/splitter MB/s"), "\(r.stdout)")
        #expect(r.status == 0 ? r.stdout.contains("guard: ok") : r.stderr.contains("performance regression"))
    }
}
