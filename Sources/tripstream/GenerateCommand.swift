import ArgumentParser
import Foundation
import TripFixtures

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write realistic Taxi Trips rows in the data portal's CSV format (seeded: same seed, same bytes).")

    @Option(name: .long, help: "Number of data rows.")
    var rows = 1000

    @Option(name: .long, help: "Random seed.")
    var seed: UInt64 = 1

    @Option(name: .long, help: "First local day, YYYY-MM-DD.")
    var start = "2015-03-06"

    @Option(name: .long, help: "Trips per local day (sets the time span).")
    var perDay = 500

    @Option(name: .long, help: "Fraction (0-1) of rows moved earlier than their neighbours, i.e. out of order.")
    var disorder = 0.0

    @Option(name: .long, help: "How far back a disordered row moves at most, in seconds.")
    var maxLateness = 3600

    @Flag(name: .long, help: "Every row at a random time over the span, like the real export (sorted by Trip ID).")
    var shuffle = false

    @Option(name: .long, help: "Fraction (0-1) of malformed rows: bad or missing timestamps, bad numbers, wrong field counts, broken quotes.")
    var bad = 0.0

    @Flag(name: .long, help: "CRLF line ends.")
    var crlf = false

    @Flag(name: .long, help: "Start with a UTF-8 byte order mark.")
    var bom = false

    @Option(name: [.short, .long], help: "Output file (default: standard output).")
    var output: String?

    func validate() throws {
        guard rows >= 0 else { throw ValidationError("--rows must not be negative") }
        guard perDay >= 1 else { throw ValidationError("--per-day must be at least 1") }
        guard (0...1).contains(disorder) else { throw ValidationError("--disorder must be between 0 and 1") }
        guard (0...1).contains(bad) else { throw ValidationError("--bad must be between 0 and 1") }
        guard maxLateness >= 900 else { throw ValidationError("--max-lateness must be at least 900 seconds (one 15-minute step)") }
    }

    func run() throws {
        var o = GeneratorOptions()
        o.rows = rows
        o.seed = seed
        o.start = start
        o.tripsPerDay = perDay
        o.disorder = disorder
        o.maxLatenessSeconds = maxLateness
        o.shuffle = shuffle
        o.badFraction = bad
        o.crlf = crlf
        o.bom = bom
        let generator = try TripGenerator(options: o)
        if let output {
            let fd = open(output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            guard fd >= 0 else { throw ValidationError("cannot write \(output): \(String(cString: strerror(errno)))") }
            let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
            defer { try? handle.close() }
            try generator.write(to: handle)
        } else {
            try generator.write(to: FileHandle.standardOutput)
        }
    }
}
