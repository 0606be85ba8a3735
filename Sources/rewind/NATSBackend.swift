import EventLog
import Interop
import NATS

/// `--dir nats://HOST:PORT[/STREAM]`: every reading command takes a JetStream location too.
/// `consume` and `topics` read through the `LogSource` protocol directly; commands that fold
/// borrowed records (view, lineage, export, open) read a local replica brought up to date first
/// (LocalReplica: only new sequences are fetched).
extension LogDirectoryOption {
    var isNATS: Bool { NATSURL.isNATS(dir) }

    func openJetStream() throws -> JetStreamSource {
        try JetStreamSource(url: try NATSURL(parsing: dir))
    }

    /// The replica of the URL's stream, or of every stream when it names none, synced now.
    func openNATSReplica() throws -> EventLog {
        let source = try openJetStream()
        defer { source.close() }
        let directory = LocalReplica.directory(for: source.url, cacheRoot: LocalReplica.defaultCacheRoot())
        let streams = try source.topicNames()
        let fetched = try LocalReplica.sync(source, streams: streams, directory: directory)
        if fetched > 0 { Output.note("fetched \(fetched) messages from \(source.url) into the local replica \(directory)") }
        return try EventLog.open(directory, mode: .readOnly)
    }
}

/// The same loop as `consume` over any LogSource: one partition per stream, so no merge.
enum SourceConsumer {
    static func run(_ source: LogSource, topic: String, from start: Offset, max: Int?, follow: Bool, stop: () -> Bool) throws {
        let partition = TopicPartition(topic: topic, partition: 0)
        var position = start
        var printed = 0
        while max.map({ printed < $0 }) ?? true, !stop() {
            let wanted = Swift.min(1000, (max ?? .max) - printed)
            let records = try source.read(partition, from: position, maxRecords: wanted)
            for record in records {
                Output.standard.write(EventJSON.line(topic: topic, partition: 0, record: record))
            }
            printed += records.count
            if let last = records.last {
                position = last.offset.advanced(by: 1)
                continue
            }
            guard follow else { break }
            Output.standard.flush()
            _ = try source.waitForRecords(partition, from: position, timeoutMs: 500)
        }
        Output.standard.flush()
    }
}
