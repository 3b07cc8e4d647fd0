import Foundation
import Testing
import TripKafka

/// `tripstream dev-broker` as a child process; stopped with SIGTERM.
final class DevBroker {
    let process = Process()
    let bootstrap: String

    init(_ arguments: [String]) throws {
        process.executableURL = repoRoot.appendingPathComponent(".build/debug/tripstream")
        process.arguments = ["dev-broker"] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        let deadline = Date().addingTimeInterval(10)
        while !line.contains(0x0A) && Date() < deadline {
            line.append(out.fileHandleForReading.availableData)
        }
        bootstrap = String(decoding: line.prefix { $0 != 0x0A }, as: UTF8.self)
    }

    func stop() -> Int32 {
        process.terminate()
        process.waitUntilExit()
        return process.terminationStatus
    }
}

func kcat(_ arguments: [String], stdin: String? = nil) throws -> (status: Int32, output: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/kcat")
    p.arguments = arguments
    let out = Pipe(), input = Pipe()
    p.standardOutput = out
    p.standardInput = input
    p.standardError = FileHandle.nullDevice
    try p.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try input.fileHandleForWriting.close()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}

@Suite struct KafkaInteropTests {
    /// kcat, an independent client, and tripstream's wrapper exchange messages through `tripstream dev-broker`.
    @Test func kcatAndTripstreamTalkThroughTheDevBroker() throws {
        try #require(FileManager.default.fileExists(atPath: "/usr/bin/kcat"), "kcat is installed by .ci/run")
        let broker = try DevBroker(["--brokers", "2", "--partitions", "4", "--topics", "in,out"])
        #expect(broker.bootstrap.hasPrefix("127.0.0.1:"), "bootstrap: \(broker.bootstrap)")

        // kcat → tripstream
        let lines = (0..<50).map { "key\($0):value \($0)" }.joined(separator: "\n") + "\n"
        let produced = try kcat(["-P", "-b", broker.bootstrap, "-t", "in", "-K", ":"], stdin: lines)
        #expect(produced.status == 0)
        let got = try consumeAll(broker.bootstrap, topic: "in", partitions: 4)
        #expect(Set(got.map { "\($0.key):\($0.value)" }) == Set((0..<50).map { "key\($0):value \($0)" }))

        // tripstream → kcat
        let producer = try KafkaProducer(config: KafkaConfig(bootstrapServers: broker.bootstrap))
        for i in 0..<30 { try producer.send(topic: "out", key: Array("k\(i)".utf8), value: Array("v\(i)".utf8)) }
        try producer.flush(timeoutMs: 10_000)
        #expect(producer.delivered == 30)
        let read = try kcat(["-C", "-b", broker.bootstrap, "-t", "out", "-o", "beginning", "-e", "-f", "%k=%s\\n"])
        #expect(read.status == 0)
        #expect(Set(read.output.split(separator: "\n").map(String.init)) == Set((0..<30).map { "k\($0)=v\($0)" }))

        #expect(broker.stop() == 0)
    }
}

/// Consumes every partition of `topic` from the beginning to its current end.
func consumeAll(_ bootstrap: String, topic: String, partitions: Int) throws -> [(key: String, value: String)] {
    let consumer = try KafkaConsumer(config: KafkaConfig(bootstrapServers: bootstrap), groupID: "cli-\(UUID())")
    try consumer.assign(topic: topic, offsets: Dictionary(uniqueKeysWithValues: (0..<Int32(partitions)).map { ($0, Int64(-2)) }))
    var ended = Set<Int32>()
    var out: [(String, String)] = []
    let deadline = Date().addingTimeInterval(20)
    while ended.count < partitions && Date() < deadline {
        if case .partitionEnd(_, let p, _) = try consumer.poll(timeoutMs: 200, { m in
            out.append((m.key.map { String(decoding: $0, as: UTF8.self) } ?? "", String(decoding: m.value, as: UTF8.self)))
        }) {
            ended.insert(p)
        }
    }
    return out
}
