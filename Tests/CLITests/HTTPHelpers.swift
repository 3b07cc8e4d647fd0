import Foundation
import Testing
import TripTools

/// A `tripstream` child that serves HTTP (replay --keep-serving, run --http or serve), with the URL it printed.
/// A reader thread drains its output all along (a full pipe would block a chatty child).
final class ServingProcess: @unchecked Sendable {
    let process = Process()
    private let output = Pipe()
    private let lock = NSLock()
    private var seen = Data()
    private var eof = false
    private let arguments: [String]
    private var foundURL: String?

    /// Starts `tripstream <arguments>` and waits (up to `timeout` s) for its `http://…/` line.
    convenience init(_ arguments: [String], environment: [String: String] = [:], timeout: Double = 60) throws {
        try self.init(starting: arguments, environment: environment)
        _ = try waitForURL(timeout: timeout)
    }

    /// Starts `tripstream <arguments>` without waiting for it to serve.
    init(starting arguments: [String], environment: [String: String] = [:]) throws {
        self.arguments = arguments
        process.executableURL = repoRoot.appendingPathComponent(".build/debug/tripstream")
        process.arguments = arguments
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let handle = output.fileHandleForReading
        Thread { [self] in
            while true {
                let chunk = handle.availableData
                lock.withLock { if chunk.isEmpty { eof = true } else { seen.append(chunk) } }
                if chunk.isEmpty { return }
            }
        }.start()
    }

    var text: String { lock.withLock { String(decoding: seen, as: UTF8.self) } }

    /// The server's URL, once printed (a replay counts as serving once it says "still serving").
    func waitForURL(timeout: Double = 60) throws -> String {
        if let foundURL { return foundURL }
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let (text, ended) = lock.withLock { (String(decoding: seen, as: UTF8.self), eof) }
            if let range = text.range(of: #"http://127\.0\.0\.1:[0-9]+/"#, options: .regularExpression),
               arguments.first != "replay" || text.contains("still serving") {
                foundURL = String(text[range])
                return foundURL!
            }
            if ended { break }
            usleep(20_000)
        }
        process.terminate()
        throw ServingError("no URL from tripstream \(arguments): \(text)")
    }

    var url: String { foundURL ?? "" }

    /// SIGTERM, then the exit status and everything it printed.
    @discardableResult
    func stop() -> (status: Int32, output: String) {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        let deadline = Date().addingTimeInterval(10)
        while !lock.withLock({ eof }) && Date() < deadline { usleep(10_000) }
        return (process.terminationStatus, text)
    }
}

struct ServingError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

struct HTTPReply {
    var status: Int
    var body: String
    var headers: [String: String]
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:] }
}

/// Runs a program to its end and returns its standard output (standard error discarded).
func output(of program: String, _ arguments: [String]) throws -> String {
    String(decoding: try ChildProcess.run(program, arguments).output, as: UTF8.self)
}

/// One request with curl (a real HTTP client, independent of the server's code). `arguments` go to curl as they are.
func curl(_ url: String, method: String = "GET", headers: [String] = [], pathAsIs: Bool = false,
          arguments: [String] = []) throws -> HTTPReply {
    let headerFile = FileManager.default.temporaryDirectory.appendingPathComponent("curl-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: headerFile) }
    let text = try output(of: "/usr/bin/curl", ["-sS", "-X", method, "-D", headerFile, "-o", "-", "-w", "\n%{http_code}",
                                                "--max-time", "30"]
                          + (pathAsIs ? ["--path-as-is"] : []) + headers.flatMap { ["-H", $0] } + arguments + [url])
    guard let split = text.lastIndex(of: "\n"), let status = Int(text[text.index(after: split)...]) else {
        throw ServingError("curl \(url) failed: \(text)")
    }
    var fields: [String: String] = [:]
    for line in ((try? String(contentsOfFile: headerFile, encoding: .utf8)) ?? "").split(separator: "\r\n") {
        if let colon = line.firstIndex(of: ":") {
            fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
    }
    return HTTPReply(status: status, body: String(text[..<split]), headers: fields)
}

/// The value of one sample line (`name{labels} value`) in a Prometheus text exposition, summed over matches.
func metricValue(_ exposition: String, _ name: String, labels: String = "") -> Double? {
    var total: Double?
    for line in exposition.split(separator: "\n") where line.hasPrefix(name + "{") || line.hasPrefix(name + " ") {
        guard labels.isEmpty || line.contains(labels), let value = line.split(separator: " ").last.flatMap({ Double($0) }) else { continue }
        total = (total ?? 0) + value
    }
    return total
}

/// Sends `request` as it is over a fresh TCP connection to the server of `url` and returns every byte the server
/// sent until it closed the connection (or 10 s passed): what curl will not send, or would not show.
func rawExchange(_ url: String, _ request: String) throws -> String {
    guard let port = URL(string: url)?.port else { throw ServingError("no port in \(url)") }
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw ServingError("socket: \(errno)") }
    defer { close(fd) }
    var timeout = timeval(tv_sec: 10, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { throw ServingError("connect to port \(port): \(errno)") }
    let bytes = Array(request.utf8)
    guard write(fd, bytes, bytes.count) == bytes.count else { throw ServingError("write: \(errno)") }
    var received: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
        let n = read(fd, &buffer, buffer.count)
        if n <= 0 { break }
        received += buffer[0..<n]
    }
    return String(decoding: received, as: UTF8.self)
}

/// A raw HTTP/1.1 response split into status, lower-cased header fields and everything after the blank line.
struct RawResponse {
    var status: Int
    var headers: [String: String]
    var body: String

    init(_ text: String) throws {
        guard let end = text.range(of: "\r\n\r\n") else { throw ServingError("no complete response head: \(text)") }
        let lines = text[..<end.lowerBound].split(separator: "\r\n")
        guard let first = lines.first, first.hasPrefix("HTTP/1.1 "), let code = Int(first.dropFirst(9).prefix(3)) else {
            throw ServingError("no status line: \(text)")
        }
        status = code
        headers = [:]
        for line in lines.dropFirst() {
            if let colon = line.firstIndex(of: ":") {
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        body = String(text[end.upperBound...])
    }
}
