import ArgumentParser
import TripCore

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Print the effective configuration (profile + file + flags) as JSON; fails on invalid settings.")

    @OptionGroup var options: ConfigOptions

    func run() throws {
        print(try options.resolve().canonicalJSON)
    }
}

