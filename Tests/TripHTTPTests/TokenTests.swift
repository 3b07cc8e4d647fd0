import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hummingbird
import Logging
import Prometheus
import Testing
@testable import TripHTTP

/// The token check, on a real server on 127.0.0.1 asked by Foundation's HTTP client (libcurl underneath): who
/// gets through, and each refusal's status, challenge and exact message.
@Suite struct TokenTests {
    struct Reply {
        var status: Int
        var challenge: String?
        var body: String
    }

    func get(_ url: String, authorization: String? = nil) async throws -> Reply {
        var request = URLRequest(url: try #require(URL(string: url)))
        if let authorization { request.setValue(authorization, forHTTPHeaderField: "Authorization") }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        return Reply(status: http.statusCode, challenge: http.value(forHTTPHeaderField: "WWW-Authenticate"),
                     body: String(decoding: data, as: UTF8.self))
    }

    @Test func onlyTheTokenOpensAllButHealthz() async throws {
        var logger = Logger(label: "tests")
        logger.logLevel = .critical
        let served = ServedMirror(path: "/nonexistent/mirror.sqlite", tenant: "chicago", mode: "serve", telemetry: nil,
                                  registry: PrometheusCollectorRegistry())
        let server = try HTTPServer.start(HTTPOptions(host: "127.0.0.1", port: 0, token: "s3cret"), serving: served, logger: logger)
        defer { server.stop() }
        let base = server.url
        let missing = #"{"error":"this server needs Authorization: Bearer <token>"}"#
        let wrong = #"{"error":"wrong token"}"#

        #expect(try await get(base + "healthz").body == #"{"status":"ok"}"#)
        let refused = try await get(base + "api/v1/status")
        #expect(refused.status == 401 && refused.challenge == #"Bearer realm="tripstream""# && refused.body == missing)
        for (authorization, body) in [("Bearer wrong", wrong), ("Bearer s3cretX", wrong), ("Bearer s3cre", wrong),
                                      ("Basic s3cret", missing), ("s3cret", missing),
                                      ("Bearer ", missing)] {  // a trailing space is not part of a field value (RFC 9110 §5.5)
            let r = try await get(base + "api/v1/status", authorization: authorization)
            #expect(r.status == 401 && r.body == body, "\(authorization): \(r.body)")
        }
        for authorization in ["Bearer s3cret", "bEARER s3cret"] {
            #expect(try await get(base + "api/v1/status", authorization: authorization).status == 200, "\(authorization)")
        }
        // The query form is for the dashboard page alone (a browser cannot set the header on navigation).
        #expect(try await get(base + "?token=s3cret").status == 200)
        #expect(try await get(base + "?token=wrong").body == wrong)
        #expect(try await get(base + "api/v1/status?token=s3cret").body == missing)
    }

    /// Equal exactly when the bytes are: a prefix, an extension or one byte off is unequal.
    @Test func comparisonIsByteExact() {
        typealias Token = TokenMiddleware<BasicRequestContext>
        #expect(Token.equalInConstantTime("s3cret", "s3cret") && Token.equalInConstantTime("", ""))
        #expect(Token.equalInConstantTime("é", "é"))
        for (a, b) in [("s3cret", "s3cre"), ("s3cre", "s3cret"), ("s3cret", "s3creT"), ("", "x"), ("x", ""),
                       ("é", "e\u{301}"), ("a\u{0}", "a")] {
            #expect(!Token.equalInConstantTime(a, b), "\(a) vs \(b)")
        }
    }
}
