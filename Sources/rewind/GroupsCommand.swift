import ArgumentParser
import EventLog

struct GroupsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "groups", abstract: "Consumer groups: committed offsets and lag.",
        subcommands: [List.self, Describe.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List consumer groups.")
        @OptionGroup var log: LogDirectoryOption
        func run() throws {
            let eventLog = try log.openForReading()
            defer { eventLog.close() }
            for group in try eventLog.groups.list() { Output.standard.line(group) }
        }
    }

    struct Describe: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Committed offset, end offset and lag per partition.")
        @OptionGroup var log: LogDirectoryOption
        @Argument(help: "Group (all groups when omitted).") var group: String?
        func run() throws {
            let eventLog = try log.openForReading()
            defer { eventLog.close() }
            let names = try group.map { [$0] } ?? eventLog.groups.list()
            for name in names {
                let lags = try eventLog.lag(of: name)
                if group != nil && lags.isEmpty {
                    throw EventLogError(.notFound, "no committed offsets for group '\(name)'", path: eventLog.directory)
                }
                Output.standard.line("group \(name)  total lag \(lags.reduce(0) { $0 + $1.lag })")
                for lag in lags {
                    Output.standard.line("  \(lag.topicPartition)  committed \(lag.committed.map(\.description) ?? "-")  end \(lag.endOffset)  lag \(lag.lag)")
                }
            }
        }
    }
}
