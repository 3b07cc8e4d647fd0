import Foundation
import TripFixtures

/// A generated CSV file plus what each row stands for.
public struct GeneratedFile {
    public var path: String
    public var truths: [TruthTrip]
    public var badLines: [String]
    public var rows: Int
}

public func generate(_ options: GeneratorOptions, in dir: String, name: String = "trips.csv") throws -> GeneratedFile {
    let generator = try TripGenerator(options: options)
    var text = (options.bom ? "\u{FEFF}" : "") + TripGenerator.header + (options.crlf ? "\r\n" : "\n")
    var truths: [TruthTrip] = []
    var bad: [String] = []
    while let row = generator.next() {
        text += row.line + (options.crlf ? "\r\n" : "\n")
        if let t = row.truth { truths.append(t) } else { bad.append(row.line) }
    }
    let path = "\(dir)/\(name)"
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return GeneratedFile(path: path, truths: truths, badLines: bad, rows: options.rows)
}

/// `rows` generated rows (seed `seed`, a `badFraction` of them bad) in a file in `dir`.
public func generate(rows: Int, seed: UInt64, badFraction: Double = 0, in dir: String) throws -> GeneratedFile {
    var options = GeneratorOptions()
    options.rows = rows
    options.seed = seed
    options.badFraction = badFraction
    return try generate(options, in: dir)
}
