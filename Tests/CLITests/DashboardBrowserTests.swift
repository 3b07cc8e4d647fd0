import Foundation
import Testing
import TripSQLite
import TripTesting

/// The dashboard page in a real browser (Debian's headless Chromium): after a replay, the DOM it renders holds
/// the numbers of the latest windows, read independently from the mirror with SQL.
@Suite struct DashboardBrowserTests {
    static let chromium = "/usr/bin/chromium"

    /// The page's DOM after its scripts ran against `url` (virtual time lets the fetches finish).
    static func renderedDOM(_ url: String) throws -> String {
        try output(of: chromium, ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--window-size=1280,1500",
                                  "--virtual-time-budget=8000", "--dump-dom", url])
    }

    static func text(ofID id: String, in dom: String) -> String? {
        guard let match = dom.firstMatch(of: try! Regex("id=\"\(id)\"[^>]*>([^<]*)<")) else { return nil }
        return match.output[1].substring.map(String.init)
    }

    @Test func theDashboardRendersTheLatestWindows() throws {
        let dir = scratchDirectory("cli")
        let db = "\(dir)/m.sqlite"
        let fixture = repoRoot.appendingPathComponent("fixtures/trips-2k.csv").path
        try #require(try tripstream(["replay", fixture, "--db", db, "--quiet"]).status == 0)
        let server = try ServingProcess(["serve", "--db", db, "--http", "127.0.0.1:0", "--http-token", "tok"])
        defer { _ = server.stop() }
        let dom = try Self.renderedDOM(server.url + "?token=tok")
        #expect(dom.contains("data-ready=\"1\""), "the page never finished its first refresh")

        let mirror = try SQLiteDatabase(path: db, readOnly: true)
        #expect(Self.text(ofID: "status-rows-read", in: dom) == "2000")
        #expect(Self.text(ofID: "status-epoch", in: dom) == (try mirror.scalar("SELECT epoch FROM progress"))?.description)
        let fare = try #require(try mirror.scalar("SELECT total_fare FROM sum_fare_window ORDER BY window_start DESC LIMIT 1")?.double)
        #expect(Self.text(ofID: "q1-latest", in: dom) == String(format: "%.2f", fare))
        let trips = try mirror.scalar("SELECT trips_total FROM trips_total ORDER BY day DESC LIMIT 1")
        #expect(Self.text(ofID: "q2-today-trips", in: dom) == trips?.description)

        // Query 3: the bars are the top ten areas of the latest final window.
        let bars = Set(dom.matches(of: /data-area="([0-9]+)" data-count="([0-9]+)"/).map { "\($0.output.1):\($0.output.2)" })
        let latest = try #require(try mirror.scalar(
            "SELECT MAX(window_start) FROM hotspot_community_window WHERE final = 1")?.int64)
        let top = try mirror.rows("""
            SELECT pickup_community_area, count FROM hotspot_community_window WHERE window_start = ? AND final = 1
            ORDER BY count DESC, pickup_community_area LIMIT 10
            """, [.integer(latest)])
        #expect(!bars.isEmpty && bars == Set(top.map { "\($0[0]):\($0[1])" }))

        // Query 4: one circle per location of the latest final window (up to 300), each a location of the mirror.
        let circles = dom.matches(of: /data-count="([0-9]+)" data-location="([^"]+)"|data-location="([^"]+)" data-count="([0-9]+)"/).count
        let locationWindow = try #require(try mirror.scalar("SELECT MAX(window_start) FROM hotspot_window WHERE final = 1")?.int64)
        let locations = try #require(try mirror.scalar(
            "SELECT COUNT(*) FROM hotspot_window WHERE window_start = ? AND final = 1", [.integer(locationWindow)])?.int64)
        #expect(circles == min(300, Int(locations)) && circles > 0)
    }

    /// A SQL query of the mirror gets a panel of its own: its latest final window's top rows by its first
    /// aggregate (the mirror's, read with SQL), and a line of that aggregate per window.
    @Test func aSQLQueryHasItsPanel() throws {
        let dir = scratchDirectory("cli")
        let db = "\(dir)/m.sqlite"
        let config = "\(dir)/c.json"
        try #"{"queries": {"fares_by_company": {"sql": "SELECT window_start, window_end, company, SUM(fare) AS fare, COUNT(*) AS trips FROM TUMBLE(trips, trip_start_timestamp, INTERVAL '1' HOUR) WHERE company IS NOT NULL GROUP BY window_start, window_end, company"}}}"#
            .write(toFile: config, atomically: true, encoding: .utf8)
        let fixture = repoRoot.appendingPathComponent("fixtures/trips-2k.csv").path
        try #require(try tripstream(["replay", fixture, "--db", db, "--quiet", "--config", config]).status == 0)
        let server = try ServingProcess(["serve", "--db", db, "--http", "127.0.0.1:0"])
        defer { _ = server.stop() }
        let dom = try Self.renderedDOM(server.url)
        #expect(dom.contains("data-ready=\"1\""), "the page never finished its first refresh")
        #expect(dom.contains("data-query=\"fares_by_company\""), "no panel for the SQL query")

        let mirror = try SQLiteDatabase(path: db, readOnly: true)
        let latest = try #require(try mirror.scalar("SELECT MAX(window_start) FROM fares_by_company WHERE final = 1")?.int64)
        let top = try mirror.rows("""
            SELECT company, fare, trips FROM fares_by_company WHERE window_start = ? AND final = 1
            ORDER BY fare DESC, company LIMIT 10
            """, [.integer(latest)])
        let body = try #require(dom.firstMatch(of: /id="sql-fares_by_company-rows">(.*?)<\/tbody>/)?.output.1)
        let cells = body.matches(of: /<tr data-row="">(.*?)<\/tr>/).map { row in
            row.output.1.matches(of: /<td>([^<]*)<\/td>/).map { String($0.output.1) }
        }
        #expect(!cells.isEmpty && cells.map { $0[2] } == top.map { $0[0].string ?? "NULL" })
        #expect(cells.map { $0[3] } == top.map { String(format: "%.2f", $0[1].double ?? -1) })
        #expect(cells.map { $0[4] } == top.map { $0[2].description })
        #expect(dom.contains("aria-label=\"fare per window\""), "no line of the measure")
    }

    @Test func withoutTheTokenThePageIsRefused() throws {
        let dir = scratchDirectory("cli")
        let db = "\(dir)/m.sqlite"
        try #require(try tripstream(["replay", repoRoot.appendingPathComponent("fixtures/trips-2k.csv").path,
                                     "--db", db, "--quiet"]).status == 0)
        let server = try ServingProcess(["serve", "--db", db, "--http", "127.0.0.1:0", "--http-token", "tok"])
        defer { _ = server.stop() }
        let dom = try Self.renderedDOM(server.url)
        // Chromium shows the server's JSON refusal instead of the page.
        #expect(dom.contains("this server needs Authorization"), "\(dom.prefix(300))")
        #expect(!dom.contains("id=\"q1-chart\"") && !dom.contains("data-ready"))
    }
}
