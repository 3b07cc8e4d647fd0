import ArgumentParser
import TripCore
import TripSQL

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Print the effective configuration (profile + file + flags) as JSON; fails on invalid settings.",
        discussion: """
        Each query is printed with its SQL (a new query's normalized). The output loads again with --config: \
        a built-in's SQL is checked against its window and slide, not applied.
        """)

    @OptionGroup var options: ConfigOptions

    func run() throws {
        print(ConfiguredQueries.printable(try options.resolve()).canonicalJSON)
    }
}

