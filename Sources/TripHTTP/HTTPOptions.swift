/// Where the HTTP server listens and who may use it.
public struct HTTPOptions: Sendable {
    public var host: String
    public var port: Int
    /// Required as `Authorization: Bearer <token>` on everything but `/healthz`, when set.
    public var token: String?

    /// The loopback default when `--http` gives only a port.
    public static let defaultHost = "127.0.0.1"

    public init(host: String, port: Int, token: String?) {
        self.host = host
        self.port = port
        self.token = token
    }

    /// Parses `HOST:PORT`, `[IPv6]:PORT`, `:PORT` or `PORT` (the host defaults to 127.0.0.1). Port 0 picks a free port.
    public static func parse(_ text: String, token: String?) throws -> HTTPOptions {
        var host = defaultHost
        var portText = Substring(text)
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw HTTPOptionsError("--http \(text): expected [IPv6]:PORT")
            }
            host = String(text[text.index(after: text.startIndex)..<close])
            portText = text[text.index(close, offsetBy: 2)...]
        } else if let colon = text.lastIndex(of: ":") {
            if colon != text.startIndex { host = String(text[..<colon]) }
            portText = text[text.index(after: colon)...]
        }
        guard let port = Int(portText), (0...65_535).contains(port) else {
            throw HTTPOptionsError("--http \(text): expected HOST:PORT with a port from 0 to 65535")
        }
        let options = HTTPOptions(host: host, port: port, token: token.flatMap { $0.isEmpty ? nil : $0 })
        if !options.isLoopback && options.token == nil {
            throw HTTPOptionsError("--http \(text) is reachable from other machines: set a token with --http-token, "
                                   + "--http-token-file or TRIPSTREAM_HTTP_TOKEN (clients send Authorization: Bearer <token>)")
        }
        return options
    }

    /// 127.0.0.0/8, ::1 and localhost: only this machine can connect.
    public var isLoopback: Bool {
        if host == "localhost" || host == "::1" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }
}

public struct HTTPOptionsError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
