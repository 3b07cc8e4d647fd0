import Foundation
import Testing
import TripTesting

/// The built-ins run from their SQL texts leave what their hand-wired code left: `scripts/compare-behaviour
/// --check` runs its jobs with this build (replays of the fixture and of a generated file with bad, late rows, CRLF
/// and a BOM, both orders, both profiles, killed and resumed; `run` over dev-broker, every result and dead-letter
/// topic read with kcat) and compares each artefact (mirror dump with views in place of text ids, standard output
/// and error without timings, topics) with the md5 sums the last hand-wired build recorded
/// (fixtures/hand-wired/README.md).
@Suite struct HandWiredBehaviourTests {
    @Test func everyArtefactIsTheHandWiredBuilds() throws {
        let dir = scratchDirectory("cli")
        let sums = repoRoot.appendingPathComponent("fixtures/hand-wired/artefacts.md5").path
        let recorded = try String(contentsOfFile: sums, encoding: .utf8).split(separator: "\n").count
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = [repoRoot.appendingPathComponent("scripts/compare-behaviour").path, "--check", sums,
                       repoRoot.appendingPathComponent(".build/debug/tripstream").path, "\(dir)/work"]
        let log = "\(dir)/compare.log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try #require(FileHandle(forWritingAtPath: log))
        p.standardOutput = handle
        p.standardError = handle
        try p.run()
        p.waitUntilExit()
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        let differing = lines.filter { !$0.hasPrefix("same ") }
        #expect(p.terminationStatus == 0 && differing.isEmpty, "\(differing.prefix(10).joined(separator: "\n"))")
        #expect(recorded >= 38 && lines.filter { $0.hasPrefix("same ") }.count == recorded, "\(lines.count) lines")
    }
}
