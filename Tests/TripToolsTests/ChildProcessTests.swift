import Foundation
import Testing
import TripTools

/// The runner behind the bench's children and the CLI tests' curl and kcat, on real programs.
@Suite struct ChildProcessTests {
    /// The exit status and standard output come back; standard error is not mixed into the output.
    @Test func returnsStatusAndOutputOfAFailingProgram() throws {
        let r = try ChildProcess.run("/bin/sh", ["-c", "printf 'out\\n'; printf 'noise' >&2; exit 3"])
        #expect(r.status == 3)
        #expect(String(decoding: r.output, as: UTF8.self) == "out\n")
        let ok = try ChildProcess.run("/bin/sh", ["-c", "printf '%s|%s' \"$1\" \"$2\"", "sh", "a b", ""])
        #expect(ok.status == 0)
        #expect(String(decoding: ok.output, as: UTF8.self) == "a b|")
    }

    /// Output larger than a pipe's buffer (64 KiB) is read while the child writes: waiting for the exit first
    /// would deadlock here.
    @Test func readsOutputLargerThanAPipeBuffer() throws {
        let r = try ChildProcess.run("/bin/sh", ["-c", "head -c 300000 /dev/zero"])
        #expect(r.status == 0)
        #expect(r.output.count == 300_000 && r.output.allSatisfy { $0 == 0 })
    }

    /// `environment` is added to this process's environment, which the child keeps.
    @Test func addsToTheInheritedEnvironment() throws {
        let r = try ChildProcess.run("/bin/sh", ["-c", "printf '%s|%s' \"$TRIPSTREAM_CHILD_TEST\" \"$PATH\""],
                                     environment: ["TRIPSTREAM_CHILD_TEST": "x=1"])
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        #expect(String(decoding: r.output, as: UTF8.self) == "x=1|\(path)")
    }

    @Test func aMissingProgramThrows() {
        #expect(throws: (any Error).self) { try ChildProcess.run("/nonexistent/tripstream-no-such-program", []) }
    }
}
