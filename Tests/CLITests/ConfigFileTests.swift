import Foundation
import Testing
import TripTesting

/// `--config` files are strict JSON, and their errors say where (line:column) and what was expected.
@Suite struct ConfigFileTests {
    @Test func syntaxErrorsInAConfigFileNameTheirPosition() throws {
        let dir = scratchDirectory("cli")
        let cases = [
            ("{\n  \"tenant\": \"acme\",\n  \"epoch_rows\": 5000,\n}\n", "line 4, column 1"),
            ("{\n  \"tenant\": \"acme\"\n  \"epoch_rows\": 5000\n}\n", "line 3, column 3"),
        ]
        for (text, position) in cases {
            try text.write(toFile: "\(dir)/c.json", atomically: true, encoding: .utf8)
            let r = try tripstream(["config", "--config", "\(dir)/c.json"])
            #expect(r.status != 0)
            #expect(r.stderr.contains("\(dir)/c.json") && r.stderr.contains(position) && r.stderr.contains("expected"),
                    "\(r.stderr)")
        }
        try "{\"tenant\": \"acme\", \"epoch_rows\": 5000}".write(toFile: "\(dir)/c.json", atomically: true, encoding: .utf8)
        let good = try tripstream(["config", "--config", "\(dir)/c.json"])
        #expect(good.status == 0 && good.stdout.contains("\"epoch_rows\": 5000"), "\(good.stderr)")
    }
}
