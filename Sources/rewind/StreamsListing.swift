import EventLog
import NATS
import Payloads

/// `topics list|describe --dir nats://…` and `groups describe --dir nats://…`: streams as topics,
/// with what JetStream adds (subjects, retention, replicas and where they sit) and durable
/// consumers as consumer groups.
enum StreamsListing {
    static func list(_ dir: String) throws {
        let source = try JetStreamSource(url: try NATSURL(parsing: dir))
        defer { source.close() }
        for name in try source.topicNames() { Output.standard.line(name) }
    }

    static func describe(_ dir: String, name: String?, json: Bool) throws {
        let source = try JetStreamSource(url: try NATSURL(parsing: dir))
        defer { source.close() }
        let names = try name.map { [$0] } ?? source.topicNames()
        for stream in names {
            let info = try source.jetStream.streamInfo(stream)
            let consumers = try source.durableConsumers(of: stream)
            json ? Output.standard.write(jsonLine(info, consumers)) : text(info, consumers)
        }
    }

    static func groups(_ dir: String, name: String?, namesOnly: Bool = false) throws {
        let source = try JetStreamSource(url: try NATSURL(parsing: dir))
        defer { source.close() }
        for stream in try source.topicNames() {
            for consumer in try source.durableConsumers(of: stream) where name == nil || consumer.name == name {
                Output.standard.line(namesOnly ? consumer.name : groupLine(consumer))
            }
        }
    }

    private static func groupLine(_ consumer: ConsumerInfo) -> String {
        "\(consumer.name)  \(consumer.streamName)-0  ack floor \(consumer.ackFloor.streamSeq)  delivered \(consumer.delivered.streamSeq)  lag \(consumer.numPending ?? 0)  ack pending \(consumer.numAckPending ?? 0)"
    }

    private static func time(_ text: String?) -> String {
        guard let text, let time = RFC3339.timestamp(text), time.milliseconds > 0 else { return "-" }
        return TimeFormat.iso(time)
    }

    private static func retention(_ config: StreamConfig) -> String {
        var parts = [config.retention ?? "limits"]
        if let age = config.maxAge, age > 0 { parts.append("max age \(age / 1_000_000) ms") }
        if let count = config.maxMsgs, count > 0 { parts.append("max \(count) msgs") }
        if let bytes = config.maxBytes, bytes > 0 { parts.append("max \(bytes) bytes") }
        if parts.count == 1 { parts.append("forever") }
        return parts.joined(separator: ", ")
    }

    private static func placement(_ cluster: ClusterInfo?) -> String {
        guard let cluster else { return "single server" }
        var text = "cluster \(cluster.name ?? "-") leader \(cluster.leader ?? "none")"
        for peer in cluster.replicas ?? [] { text += ", replica \(peer.name) \(peer.current == true ? "current" : "behind \(peer.lag ?? 0)")" }
        return text
    }

    private static func text(_ info: StreamInfo, _ consumers: [ConsumerInfo]) {
        let state = info.state
        Output.standard.line("stream \(info.config.name)  subjects \((info.config.subjects ?? []).joined(separator: " "))  retention \(retention(info.config))  storage \(info.config.storage ?? "file")  replicas \(info.config.numReplicas ?? 1)  \(placement(info.cluster))")
        Output.standard.line("  \(info.config.name)-0  offsets \(state.messages == 0 ? state.lastSeq + 1 : state.firstSeq)..<\(state.lastSeq + 1)  messages \(state.messages)  bytes \(state.bytes)  time \(time(state.firstTs)) .. \(time(state.lastTs))")
        for consumer in consumers { Output.standard.line("  consumer " + groupLine(consumer)) }
    }

    private static func jsonLine(_ info: StreamInfo, _ consumers: [ConsumerInfo]) -> [UInt8] {
        let state = info.state
        var out: [UInt8] = []
        JSONText.append("{\"topic\":", to: &out)
        JSONText.appendString(info.config.name, to: &out)
        JSONText.append(",\"partition\":0,\"start_offset\":\(state.messages == 0 ? state.lastSeq + 1 : state.firstSeq),\"end_offset\":\(state.lastSeq + 1),\"events\":\(state.messages),\"bytes\":\(state.bytes)", to: &out)
        JSONText.append(",\"first_timestamp\":\(RFC3339.timestamp(state.firstTs ?? "").map { "\($0.milliseconds)" } ?? "null"),\"last_timestamp\":\(RFC3339.timestamp(state.lastTs ?? "").map { "\($0.milliseconds)" } ?? "null")", to: &out)
        JSONText.append(",\"subjects\":[", to: &out)
        for (index, subject) in (info.config.subjects ?? []).enumerated() {
            if index > 0 { JSONText.append(",", to: &out) }
            JSONText.appendString(subject, to: &out)
        }
        JSONText.append("],\"retention\":", to: &out)
        JSONText.appendString(retention(info.config), to: &out)
        JSONText.append(",\"replicas\":\(info.config.numReplicas ?? 1),\"cluster\":", to: &out)
        JSONText.appendString(info.cluster?.name ?? "", to: &out)
        JSONText.append(",\"leader\":", to: &out)
        JSONText.appendString(info.cluster?.leader ?? "", to: &out)
        JSONText.append(",\"consumers\":[", to: &out)
        for (index, consumer) in consumers.enumerated() {
            if index > 0 { JSONText.append(",", to: &out) }
            JSONText.append("{\"name\":", to: &out)
            JSONText.appendString(consumer.name, to: &out)
            JSONText.append(",\"ack_floor\":\(consumer.ackFloor.streamSeq),\"num_pending\":\(consumer.numPending ?? 0)}", to: &out)
        }
        JSONText.append("]}\n", to: &out)
        return out
    }
}
