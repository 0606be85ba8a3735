import ArgumentParser
import EventLog
import Interop
import Payloads

struct ProduceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "produce",
        abstract: "Append events: one JSON value per line on stdin, or one event from --value.",
        discussion: """
        Each stdin line is one event's value and must be valid JSON (use --raw for other text).
        With --envelope each line is an object as `rewind consume` prints it
        ({"key","value","headers","timestamp","partition"}), so consume | produce copies events.
        """)

    @OptionGroup var log: LogDirectoryOption
    @Argument(help: "Topic to append to.") var topic: String
    @Option(help: "One event with this value instead of reading stdin.") var value: String?
    @Option(help: "Key for every event.") var key: String?
    @Option(help: "Take each event's key from this top-level JSON field (keyless when absent).") var keyField: String?
    @Option(help: "Partition (default: Kafka's murmur2 of the key, round-robin without key).") var partition: Int32?
    @Option(parsing: .unconditional, help: "Event time (ISO-8601, -15m, epoch ms; default: now).") var timestamp: String?
    @Option(name: .customLong("header"), help: "Header name=value (repeatable).") var headers: [String] = []
    @Flag(help: "Lines are event envelopes as `consume` prints them.") var envelope = false
    @Flag(help: "Store lines as they are, without checking they are JSON.") var raw = false
    @Flag(help: "Acknowledge only after fdatasync (group commit).") var durable = false
    @Flag(help: "Print {\"partition\",\"offset\",\"line\"} per event once it is durable (implies --durable); line is the input line (0 for --value).") var ack = false

    func run() throws {
        let eventLog = try log.openForWriting(create: false)
        defer { eventLog.close() }
        let partitionCount = Int32(try eventLog.partitions(of: topic).count)
        if let partition, partition < 0 || partition >= partitionCount {
            throw CommandFailure(message: "topic '\(topic)' has no partition \(partition) (it has \(partitionCount))")
        }
        let fixedHeaders = try headers.map { text -> Header in
            guard let equals = text.firstIndex(of: "=") else { throw CommandFailure(message: "--header '\(text)': expected name=value") }
            return Header(key: String(text[..<equals]), value: Array(text[text.index(after: equals)...].utf8))
        }
        let fixedTime = try timestamp.map { try TimeExpression.parse($0, now: WallClock.now()) }
        let makeRecord = { (line: [UInt8], lineLabel: String, number: Int) throws -> Pending in
            let (record, partition) = try self.record(from: line, label: lineLabel, headers: fixedHeaders, time: fixedTime ?? WallClock.now())
            return Pending(record: record, partition: partition, line: number)
        }
        var appended = 0
        if let value {
            try append([try makeRecord(Array(value.utf8), "--value", 0)], to: eventLog, count: partitionCount)
            appended = 1
        } else {
            let reader = LineReader(descriptor: 0)
            var pending: [Pending] = []
            while let line = try reader.nextLine() {
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
                do {
                    pending.append(try makeRecord(line, "stdin:\(reader.lineNumber)", reader.lineNumber))
                } catch {
                    try append(pending, to: eventLog, count: partitionCount)
                    appended += pending.count
                    throw CommandFailure(message: "\(describe(error)) (\(appended) events before it were appended)")
                }
                if pending.count >= Limits.produceBatchRecordsMax || !reader.hasReadyInput {
                    try append(pending, to: eventLog, count: partitionCount)
                    appended += pending.count
                    pending.removeAll(keepingCapacity: true)
                }
            }
            try append(pending, to: eventLog, count: partitionCount)
            appended += pending.count
        }
        Output.standard.flush()
        if !ack { Output.note("appended \(appended) event\(appended == 1 ? "" : "s") to \(topic)") }
    }

    private func describe(_ error: Error) -> String {
        (error as? CommandFailure)?.message ?? "\(error)"
    }

    /// An event waiting for its batch, with the input line it came from (for `--ack`).
    struct Pending {
        var record: ProducerRecord
        var partition: Int32?
        var line: Int
    }

    /// One batch per partition; with --ack, prints acknowledgements after the durable append returns.
    /// Acks follow partitions, not input order, so each names its input line.
    private func append(_ pending: [Pending], to eventLog: EventLog, count: Int32) throws {
        guard !pending.isEmpty else { return }
        var byPartition: [Int32: [Pending]] = [:]
        var order: [Int32] = []
        for item in pending {
            let target = item.partition ?? partition ?? eventLog.choosePartition(for: item.record, topic: topic, count: count)
            if byPartition[target] == nil { order.append(target) }
            byPartition[target, default: []].append(item)
        }
        for target in order {
            let items = byPartition[target]!
            let result = try eventLog.append(items.map(\.record), to: topic, partition: target, durable: durable || ack)[0]
            if ack {
                for (index, item) in items.enumerated() {
                    Output.standard.line("{\"partition\":\(target),\"offset\":\(result.firstOffset.rawValue + Int64(index)),\"line\":\(item.line)}")
                }
                Output.standard.flush()
            }
        }
    }

    private func record(from line: [UInt8], label: String, headers: [Header], time: Timestamp) throws -> (ProducerRecord, Int32?) {
        if envelope { return try envelopeRecord(line, label: label, time: time) }
        let isJSON = line.withUnsafeBytes { JSONScanner.isValid($0) }
        if !raw && !isJSON {
            throw CommandFailure(message: "\(label): not valid JSON (use --raw to store text as is)")
        }
        var recordKey = key.map { Array($0.utf8) }
        if let keyField {
            recordKey = line.withUnsafeBytes { bytes -> [UInt8]? in
                guard let field = keyField.utf8CString.withUnsafeBytes({ name in
                    JSONScanner.member(UnsafeRawBufferPointer(rebasing: name.dropLast()), in: bytes)
                }) else { return nil } // events without the field are keyless, as in Kafka
                return field.first == UInt8(ascii: "\"") ? JSONScanner.decodeString(field).map { Array($0.utf8) } : Array(field)
            }
        }
        return (ProducerRecord(key: recordKey, value: line, headers: headers, timestamp: time), nil)
    }

    private func envelopeRecord(_ line: [UInt8], label: String, time: Timestamp) throws -> (ProducerRecord, Int32?) {
        do {
            let (record, chosenPartition) = try EventEnvelope.parse(line, time: time)
            return (record, partition == nil ? chosenPartition : nil)
        } catch {
            throw CommandFailure(message: "\(label): not an event envelope: \(error)")
        }
    }
}
