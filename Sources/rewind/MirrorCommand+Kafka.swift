import EventLog
import KafkaClient
import LogSources

extension MirrorCommand {
    /// `mirror TOPIC --to kafka://HOST:PORT[/TARGET]`: KafkaMirror does the work (exactly once
    /// through the idempotent producer and resume-from-the-target; see its comment).
    func mirrorIntoKafka() throws {
        let url = try KafkaURL(parsing: to)
        let source = try log.openSource()
        defer { source.close() }
        _ = try source.partitionNumbers(of: topic)
        let cluster = try KafkaCluster(url: url, decompressor: LogSourceFactory.decompressor)
        defer { cluster.close() }
        let target = url.topic ?? topic
        let report = try KafkaMirror(cluster: cluster, target: target).mirror(from: source, topic: topic, now: monotonicSeconds)
        let rate = report.seconds > 0 ? Int(Double(report.published) / report.seconds) : 0
        Output.standard.line("mirrored \(report.published) events into \(url.cluster)/\(target)\(report.created ? " (created)" : "") (\(report.resumed) already there) in \(String(format: "%.2f", report.seconds)) s, \(rate) events/s")
    }
}
