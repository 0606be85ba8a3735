import ArgumentParser
import EventLog
import Payloads

struct TopicsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topics", abstract: "Create, list and describe topics.",
        subcommands: [Create.self, TopicsAlter.self, List.self, Describe.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a topic.")
        @OptionGroup var log: LogDirectoryOption
        @Argument(help: "Topic name ([A-Za-z0-9._-]).") var name: String
        @Option(help: "Number of partitions.") var partitions: Int32 = 1
        @Option(help: "Keep events this long (e.g. 7d, 12h; 0 keeps forever).") var retention: String = "0"
        @Option(help: "Roll segments at this many bytes.") var segmentBytes: Int = Limits.segmentBytesDefault
        @OptionGroup var compaction: CompactionOptions

        func run() throws {
            let eventLog = try log.openForWriting()
            defer { eventLog.close() }
            let retentionMs = try DurationExpression.parseMilliseconds(retention)
            var config = TopicConfig(partitions: partitions, retentionMs: retentionMs, segmentBytes: segmentBytes)
            try compaction.apply(to: &config)
            try eventLog.createTopic(name, config: config)
            Output.standard.line("created topic \(name) with \(partitions) partition\(partitions == 1 ? "" : "s")")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List topics.")
        @OptionGroup var log: LogDirectoryOption
        func run() throws {
            let source = try log.openSource()
            defer { source.close() }
            for topic in try source.topicNames() { Output.standard.line(topic) }
        }
    }

    /// The one topic-summary writer, for every backend: a line per topic (partitions and what the
    /// backend adds: retention, subjects, replicas…), a line per partition, the groups reading it.
    struct Describe: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Partitions, offsets, sizes and time spans of topics.")
        @OptionGroup var log: LogDirectoryOption
        @Argument(help: "Topic (all topics when omitted).") var name: String?
        @Flag(help: "One JSON object per partition.") var json = false

        func run() throws {
            let source = try log.openSource()
            defer { source.close() }
            let names = try source.topicNames()
            if let name, !names.contains(name) {
                throw EventLogError(.notFound, "unknown topic '\(name)'", path: source.location)
            }
            let groups = try source.consumerGroups()
            for topic in name.map({ [$0] }) ?? names {
                let numbers = try source.partitionNumbers(of: topic)
                let details = try source.topicDetails(topic)
                if !json {
                    Output.standard.line((["topic \(topic)", "partitions \(numbers.count)"] + details.map { "\($0.label) \($0.value)" }).joined(separator: "  "))
                }
                for number in numbers {
                    let summary = try source.summary(of: TopicPartition(topic: topic, partition: number))
                    json ? Output.standard.write(jsonLine(summary, details)) : Output.standard.line(textLine(summary))
                }
                if json { continue }
                for group in groups.keys.sorted() {
                    let lags = try source.lag(committed: groups[group]!.filter { $0.key.topic == topic })
                    if !lags.isEmpty { Output.standard.line("  group \(group)  lag \(lags.reduce(0) { $0 + $1.lag })") }
                }
            }
        }

        func textLine(_ summary: PartitionSummary) -> String {
            let first = summary.firstTimestamp.map(TimeFormat.iso) ?? "-"
            let last = summary.largestTimestamp.map(TimeFormat.iso) ?? "-"
            let segments = summary.segments > 0 ? "  segments \(summary.segments)" : ""
            return "  \(summary.topicPartition)  offsets \(summary.startOffset)..<\(summary.endOffset)  events \(summary.eventCount)\(segments)  bytes \(summary.sizeInBytes)  time \(first) .. \(last)"
        }

        func jsonLine(_ summary: PartitionSummary, _ details: [SourceDetail]) -> [UInt8] {
            var out: [UInt8] = []
            JSONText.append("{\"topic\":", to: &out)
            JSONText.appendString(summary.topicPartition.topic, to: &out)
            JSONText.append(",\"partition\":\(summary.topicPartition.partition),\"start_offset\":\(summary.startOffset),\"end_offset\":\(summary.endOffset),\"events\":\(summary.eventCount),\"segments\":\(summary.segments),\"bytes\":\(summary.sizeInBytes),\"first_timestamp\":\(summary.firstTimestamp.map { "\($0.milliseconds)" } ?? "null"),\"last_timestamp\":\(summary.largestTimestamp.map { "\($0.milliseconds)" } ?? "null")", to: &out)
            for detail in details {
                out.append(UInt8(ascii: ","))
                JSONText.appendString(detail.label, to: &out)
                out.append(UInt8(ascii: ":"))
                JSONText.appendString(detail.value, to: &out)
            }
            JSONText.append("}\n", to: &out)
            return out
        }
    }
}
