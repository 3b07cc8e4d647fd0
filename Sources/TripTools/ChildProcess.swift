import Foundation

/// A program run to its end for its output: the bench's child processes, and the tests' (curl, kcat).
public enum ChildProcess {
    /// Runs `program` with `arguments` until it exits; its exit status and its whole standard output. Its
    /// standard error goes where this process's goes if `inheritStandardError`, else nowhere.
    /// - Parameter environment: added to this process's environment (which the child inherits either way).
    public static func run(_ program: String, _ arguments: [String], environment: [String: String] = [:],
                           inheritStandardError: Bool = false) throws -> (status: Int32, output: Data) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: program)
        p.arguments = arguments
        if !environment.isEmpty {
            p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let out = Pipe()
        p.standardOutput = out
        if !inheritStandardError { p.standardError = FileHandle.nullDevice }
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, data)
    }
}
