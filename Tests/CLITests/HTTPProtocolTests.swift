import Foundation
import Testing
import TripTesting

/// What the HTTP server answers below the API: requests it cannot parse, HEAD, and /healthz under load.
@Suite(.serialized) struct HTTPProtocolTests {
    let fixture = repoRoot.appendingPathComponent("fixtures/trips-2k.csv").path

    func served() throws -> ServingProcess {
        let db = "\(scratchDirectory("cli"))/m.sqlite"
        try #require(try tripstream(["replay", fixture, "--db", db, "--quiet"]).status == 0)
        return try ServingProcess(["serve", "--db", db, "--http", "127.0.0.1:0"])
    }

    func expectJSONError(_ r: RawResponse, status: Int, _ what: String) {
        #expect(r.status == status, "\(what): \(r.status)")
        #expect(r.headers["content-type"] == "application/json", "\(what): \(r.headers)")
        #expect(r.headers["content-length"] == String(r.body.utf8.count), "\(what): \(r.headers)")
        let json = (try? JSONSerialization.jsonObject(with: Data(r.body.utf8))) as? [String: Any]
        #expect((json?["error"] as? String)?.isEmpty == false, "\(what): body \(r.body)")
    }

    @Test func requestsThatCannotBeParsedGetAJSON400() throws {
        let server = try served()
        defer { server.stop() }
        for request in ["GARBAGE\r\n\r\n", "GET /a b c HTTP/1.1\r\nHost: x\r\n\r\n", "GET / HTTP/1.1\r\nBad Header\r\n\r\n"] {
            expectJSONError(try RawResponse(try rawExchange(server.url, request)), status: 400, request.debugDescription)
        }
        // The same through a real client: a target with a space, and bad percent-encoding in the query.
        let spaced = try curl(server.url, arguments: ["--request-target", "/api/v1/status?x=a b"])
        #expect(spaced.status == 400 && spaced.json["error"] is String, "\(spaced)")
        for query in ["from=%zz", "from=%", "to=%4", "tenant=%ff%fe"] {
            let r = try curl(server.url + "api/v1/queries/trips_total?" + query)
            #expect(r.status == 400, "\(query): \(r.status)")
            #expect(r.headers["content-type"] == "application/json", "\(query)")
            #expect((r.json["error"] as? String)?.isEmpty == false, "\(query): \(r.body)")
        }
        #expect(try curl(server.url + "healthz").status == 200)  // and the server carries on
        #expect(server.stop().status == 0)
    }

    /// HEAD: GET's status, content type and content length, and no body (RFC 9110 §9.3.2).
    @Test func headAnswersAsGETWouldWithoutABody() throws {
        let server = try served()
        defer { server.stop() }
        for path in ["healthz", "api/v1/status", "api/v1/queries/trips_total?limit=3", "", "no/such/page",
                     "api/v1/queries/trips_total?limit=0", "api/v1/queries/nope"] {
            let get = try RawResponse(try rawExchange(server.url, "GET /\(path) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
            let head = try RawResponse(try rawExchange(server.url, "HEAD /\(path) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
            #expect(head.status == get.status, "\(path)")
            #expect(head.headers["content-type"] == get.headers["content-type"], "\(path): \(head.headers)")
            #expect(head.headers["content-length"] == String(get.body.utf8.count), "\(path): \(head.headers)")
            #expect(head.body.isEmpty, "\(path): HEAD sent a body: \(head.body)")
            if get.status >= 400 { expectJSONError(get, status: get.status, path) }
        }
        #expect(server.stop().status == 0)
    }

    /// /healthz (the Dockerfile's HEALTHCHECK, 3 s timeout) must not queue behind slow API requests.
    @Test func healthzAnswersWhileEverySQLiteWorkerIsBusy() throws {
        let dir = scratchDirectory("cli")
        let db = "\(dir)/m.sqlite"
        try #require(try tripstream(["generate", "--rows", "40000", "--per-day", "4000", "-o", "\(dir)/in.csv"]).status == 0)
        try #require(try tripstream(["replay", "\(dir)/in.csv", "--db", db, "--quiet"]).status == 0)
        let server = try ServingProcess(["serve", "--db", db, "--http", "127.0.0.1:0"])
        defer { server.stop() }
        // Large pages: each keeps a worker busy while it reads and renders 10 000 rows. One curl sends them all
        // at once (72 curl processes would take longer to start than the server to answer). 24 pages took only
        // 1.9 s on a quiet machine: too close to the 2 s this test needs to mean anything.
        let page = server.url + "api/v1/queries/hotspot_window?limit=10000"
        let burst = DispatchGroup()
        let started = Date()
        DispatchQueue.global().async(group: burst) {
            _ = try? output(of: "/usr/bin/curl", ["-s", "-Z", "--parallel-immediate", "--parallel-max", "64"]
                            + Array(repeating: ["-o", "/dev/null", page], count: 72).flatMap { $0 })
        }
        usleep(500_000)
        let asked = Date()
        let health = try curl(server.url + "healthz")
        let healthSeconds = Date().timeIntervalSince(asked)
        // The answer came while the burst still kept every worker busy (before the fix it queued behind all of it).
        let answeredDuringTheBurst = burst.wait(timeout: .now()) == .timedOut
        burst.wait()
        let burstSeconds = Date().timeIntervalSince(started)
        #expect(health.status == 200 && health.json["rows_read"] as? Int == 40000)
        // Only meaningful if the burst really outlasted the health check by far.
        try #require(burstSeconds > 2, "the burst took only \(burstSeconds) s: not enough load to test")
        #expect(answeredDuringTheBurst, "/healthz took \(healthSeconds) s while the burst took \(burstSeconds) s")
        #expect(server.stop().status == 0)
    }
}
