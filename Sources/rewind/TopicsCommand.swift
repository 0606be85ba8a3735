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
            if log.isNATS { return try StreamsListing.list(log.dir) }
            let eventLog = try log.openForReading()
            defer { eventLog.close() }
            for topic in eventLog.topics() { Output.standard.line(topic.name) }
        }
    }

    struct Describe: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Partitions, offsets, sizes and time spans of topics.")
        @OptionGroup var log: LogDirectoryOption
        @Argument(help: "Topic (all topics when omitted).") var name: String?
        @Flag(help: "One JSON object per partition.") var json = false

        func run() throws {
            if log.isNATS { return try StreamsListing.describe(log.dir, name: name, json: json) }
            let eventLog = try log.openForReading()
            defer { eventLog.close() }
            let topics = try name.map { name in
                guard let topic = eventLog.topics().first(where: { $0.name == name }) else {
                    throw EventLogError(.notFound, "unknown topic '\(name)'", path: eventLog.directory)
                }
                return [topic]
            } ?? eventLog.topics()
            for topic in topics {
                if !json {
                    let retention = topic.config.map { $0.retentionMs == 0 ? "forever" : "\($0.retentionMs) ms" } ?? "unknown (captured log)"
                    let policy = topic.config.map { $0.policy.compacts ? "  cleanup.policy \($0.policy.rawValue)  delete.retention \($0.tombstoneRetentionMs) ms  min.cleanable.dirty.ratio \($0.cleanableRatioMin)" : "" } ?? ""
                    Output.standard.line("topic \(topic.name)  partitions \(topic.partitions)  retention \(retention)\(policy)")
                }
                for partition in try eventLog.partitions(of: topic.name) {
                    let summary = try partition.summary()
                    json ? Output.standard.write(jsonLine(summary)) : Output.standard.line(textLine(summary))
                }
            }
        }

        func textLine(_ summary: PartitionSummary) -> String {
            let first = summary.firstTimestamp.map(TimeFormat.iso) ?? "-"
            let last = summary.largestTimestamp.map(TimeFormat.iso) ?? "-"
            return "  \(summary.topicPartition)  offsets \(summary.startOffset)..<\(summary.endOffset)  events \(summary.eventCount)  segments \(summary.segments)  bytes \(summary.sizeInBytes)  time \(first) .. \(last)"
        }

        func jsonLine(_ summary: PartitionSummary) -> [UInt8] {
            var out: [UInt8] = []
            JSONText.append("{\"topic\":", to: &out)
            JSONText.appendString(summary.topicPartition.topic, to: &out)
            JSONText.append(",\"partition\":\(summary.topicPartition.partition),\"start_offset\":\(summary.startOffset),\"end_offset\":\(summary.endOffset),\"events\":\(summary.eventCount),\"segments\":\(summary.segments),\"bytes\":\(summary.sizeInBytes),\"first_timestamp\":\(summary.firstTimestamp.map { "\($0.milliseconds)" } ?? "null"),\"last_timestamp\":\(summary.largestTimestamp.map { "\($0.milliseconds)" } ?? "null")}\n", to: &out)
            return out
        }
    }
}
