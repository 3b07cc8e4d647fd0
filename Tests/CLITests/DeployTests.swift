import Foundation
import Testing

/// What can be checked of the container and compose deployment without a Docker engine.
@Suite struct DeployTests {
    func file(_ path: String) throws -> String {
        try String(contentsOf: repoRoot.appendingPathComponent(path), encoding: .utf8)
    }

    func run(_ argv: [String]) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = argv
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// The runtime stage installs the Debian package of every C library the binary links, and runs as a
    /// non-root user with a volume, a health check on /healthz and tripstream as entrypoint.
    @Test func dockerfileRuntimeHasThePackagesOfTheLinkedLibraries() throws {
        let dockerfile = try file("Dockerfile")
        let stages = Array(dockerfile.components(separatedBy: "\nFROM ").dropFirst())  // [0]: the comments before
        let runtime = try #require(stages.last)
        #expect(stages.count == 2 && runtime.hasPrefix("debian:bookworm-slim"))
        #expect(stages.first?.hasPrefix("swift:6") == true && stages.first?.contains("--static-swift-stdlib") == true)
        let binary = repoRoot.appendingPathComponent(".build/debug/tripstream").path
        let ldd = try run(["ldd", binary])
        #expect(ldd.status == 0 && !ldd.output.contains("not found"), "\(ldd.output)")
        var packages: [String] = []
        for library in ["librdkafka", "liblmdb", "libsqlite3"] {
            let line = try #require(ldd.output.split(separator: "\n").first { $0.contains(library + ".so") }, "\(library) not linked")
            let path = try #require(line.components(separatedBy: "=> ").last?.split(separator: " ").first.map(String.init))
            // Which Debian package owns the file the binary loads (dpkg knows it by its /usr path too).
            var owner = try run(["dpkg", "-S", path])
            if owner.status != 0 { owner = try run(["dpkg", "-S", "/usr" + path]) }
            #expect(owner.status == 0, "\(owner.output)")
            let package = String(owner.output.split(separator: ":").first ?? "")
            packages.append(package)
            #expect(runtime.contains(" \(package) ") || runtime.contains(" \(package)\n"), "runtime stage lacks \(package) for \(path)")
        }
        #expect(packages.sorted() == ["liblmdb0", "librdkafka1", "libsqlite3-0"])
        #expect(runtime.contains("USER tripstream") && runtime.contains("useradd"))
        #expect(runtime.contains("VOLUME /var/lib/tripstream"))
        #expect(runtime.contains("HEALTHCHECK") && runtime.contains("/healthz"))
        #expect(runtime.contains("ENTRYPOINT [\"tripstream\"]"))
    }

    /// docker-compose parses the file; every tripstream command in it uses options the binary has; the files
    /// it mounts from `tripstream cassandra-schema`/`connect-config` are what those commands print now.
    @Test func composeParsesAndMatchesTheBinary() throws {
        let config = try run(["docker-compose", "-f", repoRoot.appendingPathComponent("deploy/compose.yaml").path, "config"])
        #expect(config.status == 0, "\(config.output)")
        for service in ["kafka", "tripstream", "tripstream-produce", "cassandra", "kafka-connect", "prometheus", "grafana"] {
            #expect(config.output.contains("\n  \(service):\n"), "compose lacks \(service)")
        }
        // The tripstream service's options, as `tripstream run --help` lists them.
        let runHelp = try tripstream(["run", "--help"]).stdout
        let command = config.output.components(separatedBy: "\n  tripstream:\n").last!.components(separatedBy: "\n  tripstream-produce:").first!
        let options = command.matches(of: /- (--[a-z-]+)/).map { String($0.output.1) }
        #expect(options.contains("--brokers") && options.contains("--http"))
        for option in options { #expect(runHelp.contains(option), "run has no \(option)") }
        #expect(try file("deploy/cassandra/schema.cql") == (try tripstream(["cassandra-schema", "--replication", "1"])).stdout,
                "regenerate: tripstream cassandra-schema --replication 1 > deploy/cassandra/schema.cql")
        #expect(try file("deploy/connect/cassandra-sink.json") == (try tripstream(["connect-config"])).stdout,
                "regenerate: tripstream connect-config > deploy/connect/cassandra-sink.json")
        // Prometheus scrapes the service and port compose runs tripstream on.
        let prometheus = try file("deploy/prometheus.yml")
        #expect(prometheus.contains("tripstream:9464") && command.contains("0.0.0.0:9464"))
    }
}
