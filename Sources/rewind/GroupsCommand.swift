import ArgumentParser
import EventLog
import Interop

/// Consumer groups of a log: Rewind's own group files, or for a captured Kafka data dir the
/// commits found in its `__consumer_offsets` topic.
func consumerGroups(_ log: EventLog) throws -> [String: [EventLog.GroupLag]] {
    var result: [String: [EventLog.GroupLag]] = [:]
    for group in try log.groups.list() { result[group] = try log.lag(of: group) }
    for (group, commits) in try KafkaConsumerOffsets.committed(in: log) ?? [:] {
        result[group] = try commits.keys.sorted().compactMap { partition in
            guard let target = try? log.partition(partition) else { return nil }
            let end = try target.endOffset()
            return EventLog.GroupLag(topicPartition: partition, committed: commits[partition], endOffset: end,
                                     lag: max(0, end.rawValue - commits[partition]!.rawValue))
        }
    }
    return result
}

struct GroupsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "groups", abstract: "Consumer groups: committed offsets and lag.",
        subcommands: [List.self, Describe.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List consumer groups.")
        @OptionGroup var log: LogDirectoryOption
        func run() throws {
            if log.isNATS { return try StreamsListing.groups(log.dir, name: nil, namesOnly: true) }
            let eventLog = try log.openForReading()
            defer { eventLog.close() }
            for group in try consumerGroups(eventLog).keys.sorted() { Output.standard.line(group) }
        }
    }

    struct Describe: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Committed offset, end offset and lag per partition.")
        @OptionGroup var log: LogDirectoryOption
        @Argument(help: "Group (all groups when omitted).") var group: String?
        func run() throws {
            if log.isNATS { return try StreamsListing.groups(log.dir, name: group) }
            let eventLog = try log.openForReading()
            defer { eventLog.close() }
            let all = try consumerGroups(eventLog)
            let names = group.map { [$0] } ?? all.keys.sorted()
            for name in names {
                let lags = all[name] ?? []
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
