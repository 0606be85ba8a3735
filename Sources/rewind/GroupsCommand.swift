import ArgumentParser
import EventLog
import Payloads

struct GroupsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "groups", abstract: "Consumer groups: committed offsets and lag.",
        discussion: """
        Groups are Rewind's own commits, a captured broker's __consumer_offsets, or over nats://
        a stream's durable consumers (committed = ack floor + 1, the next sequence it reads).
        """,
        subcommands: [List.self, Describe.self, GroupsReset.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List consumer groups.")
        @OptionGroup var log: LogDirectoryOption
        @Flag(help: "One JSON object per group and partition, as `describe --json`.") var json = false
        func run() throws {
            let source = try log.openSource()
            defer { source.close() }
            let groups = try source.consumerGroups()
            for name in groups.keys.sorted() {
                if json {
                    for lag in try source.lag(committed: groups[name]!) { Output.standard.write(GroupsCommand.jsonLine(name, lag)) }
                } else {
                    Output.standard.line(name)
                }
            }
        }
    }

    struct Describe: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Committed offset, end offset and lag per partition.")
        @OptionGroup var log: LogDirectoryOption
        @Argument(help: "Group (all groups when omitted).") var group: String?
        @Flag(help: "One JSON object per partition: {\"group\",\"topic\",\"partition\",\"committed\",\"end\",\"lag\"}.") var json = false
        func run() throws {
            let source = try log.openSource()
            defer { source.close() }
            let all = try source.consumerGroups()
            let names = group.map { [$0] } ?? all.keys.sorted()
            for name in names {
                let lags = try source.lag(committed: all[name] ?? [:])
                // Live members (a Kafka cluster's coordinator) before their first commit count too.
                let details = try json ? [] : source.groupDetails(name)
                if group != nil && lags.isEmpty && details.isEmpty {
                    throw EventLogError(.notFound, "no committed offsets for group '\(name)'", path: source.location)
                }
                if json {
                    for lag in lags { Output.standard.write(GroupsCommand.jsonLine(name, lag)) }
                    continue
                }
                Output.standard.line("group \(name)  total lag \(lags.reduce(0) { $0 + $1.lag })")
                for detail in details { Output.standard.line("  \(detail.label) \(detail.value)") }
                for lag in lags {
                    Output.standard.line("  \(lag.topicPartition)  committed \(lag.committed.map(\.description) ?? "-")  end \(lag.endOffset)  lag \(lag.lag)")
                }
            }
        }
    }

    static func jsonLine(_ group: String, _ lag: EventLog.GroupLag) -> [UInt8] {
        var out: [UInt8] = []
        JSONText.append("{\"group\":", to: &out)
        JSONText.appendString(group, to: &out)
        JSONText.append(",\"topic\":", to: &out)
        JSONText.appendString(lag.topicPartition.topic, to: &out)
        JSONText.append(",\"partition\":\(lag.topicPartition.partition),\"committed\":\(lag.committed.map { "\($0.rawValue)" } ?? "null"),\"end\":\(lag.endOffset.rawValue),\"lag\":\(lag.lag)}\n", to: &out)
        return out
    }
}
