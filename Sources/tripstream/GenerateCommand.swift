import ArgumentParser
import Foundation
import TripFixtures

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write realistic Taxi Trips rows in the data portal's CSV format (seeded: same seed, same bytes).")

    @Option(name: .long, parsing: .unconditional, help: Self.rowsRange.help("Number of data rows.", default: 1000),
            transform: Self.rowsRange.parse)
    var rows = 1000

    @Option(name: .long, parsing: .unconditional, help: OptionRanges.seed.help("Random seed.", default: 1),
            transform: OptionRanges.seed.parse)
    var seed: UInt64 = 1

    @Option(name: .long, help: "First local day, YYYY-MM-DD.")
    var start = "2015-03-06"

    @Option(name: .long, parsing: .unconditional, help: Self.perDayRange.help("Trips per local day (sets the time span).", default: 500),
            transform: Self.perDayRange.parse)
    var perDay = 500

    @Option(name: .long, parsing: .unconditional,
            help: Self.fractionRange.help("Fraction of rows moved earlier than their neighbours, i.e. out of order.", default: 0.0),
            transform: Self.fractionRange.parse)
    var disorder = 0.0

    @Option(name: .long, parsing: .unconditional,
            help: Self.maxLatenessRange.help("How far back a disordered row moves at most, in seconds (at least one 15-minute step).", default: 3600),
            transform: Self.maxLatenessRange.parse)
    var maxLateness = 3600

    @Flag(name: .long, help: "Every row at a random time over the span, like the real export (sorted by Trip ID).")
    var shuffle = false

    @Option(name: .long, parsing: .unconditional,
            help: Self.fractionRange.help("Fraction of malformed rows: bad or missing timestamps, bad numbers, wrong field counts, broken quotes.", default: 0.0),
            transform: Self.fractionRange.parse)
    var bad = 0.0

    static let rowsRange = NumericRange(0...1_000_000_000)
    static let perDayRange = NumericRange(1...1_000_000)
    static let fractionRange = NumericRange(0.0...1.0)
    static let maxLatenessRange = NumericRange(900...31_536_000, unit: "s")

    @Flag(name: .long, help: "CRLF line ends.")
    var crlf = false

    @Flag(name: .long, help: "Start with a UTF-8 byte order mark.")
    var bom = false

    @Option(name: [.short, .long], help: "Output file (default: standard output).")
    var output: String?

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
