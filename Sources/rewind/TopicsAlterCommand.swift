import ArgumentParser
import EventLog

/// `--compact`, `--cleanup-policy`, `--delete-retention`, `--min-cleanable-ratio`: shared by
/// `topics create` and `topics alter`, stored as Kafka's config keys in rewind.json.
struct CompactionOptions: ParsableArguments {
    @Flag(help: "cleanup.policy=compact (with a non-zero --retention: compact,delete).") var compact = false
    @Option(help: "cleanup.policy: delete, compact or compact,delete.") var cleanupPolicy: String?
    @Option(help: "delete.retention.ms: keep tombstones this long when compacting (e.g. 1d).") var deleteRetention: String?
    @Option(help: "min.cleanable.dirty.ratio (0...1): compact once this share of sealed records would go.") var minCleanableRatio: Double?

    func apply(to config: inout TopicConfig) throws {
        if compact && cleanupPolicy != nil { throw ValidationError("give --compact or --cleanup-policy, not both") }
        if compact { config.cleanupPolicy = config.retentionMs > 0 ? .compactDelete : .compact }
        if let cleanupPolicy { config.cleanupPolicy = try CleanupPolicy(parsing: cleanupPolicy) }
        if let deleteRetention { config.deleteRetentionMs = try DurationExpression.parseMilliseconds(deleteRetention) }
        if let minCleanableRatio { config.minCleanableDirtyRatio = minCleanableRatio }
    }
}

struct TopicsAlter: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "alter", abstract: "Change a topic's retention or cleanup policy.")
    @OptionGroup var log: LogDirectoryOption
    @Argument(help: "Topic name.") var name: String
    @Option(help: "Keep events this long (e.g. 7d, 12h; 0 keeps forever).") var retention: String?
    @OptionGroup var compaction: CompactionOptions

    func run() throws {
        let eventLog = try log.openForWriting(create: false)
        defer { eventLog.close() }
        let retentionMs = try retention.map(DurationExpression.parseMilliseconds)
        let final = try eventLog.alterTopic(name) { config in
            if let retentionMs { config.retentionMs = retentionMs }
            try compaction.apply(to: &config)
        }
        Output.standard.line("topic \(name): cleanup.policy \(final.policy.rawValue)  retention.ms \(final.retentionMs)  delete.retention.ms \(final.tombstoneRetentionMs)  min.cleanable.dirty.ratio \(final.cleanableRatioMin)")
    }
}
