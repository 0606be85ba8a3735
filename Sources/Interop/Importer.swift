import EventLog
import Payloads

public enum ImportFormat: String, CaseIterable, Sendable {
    /// kcat's `-J` envelope: partitions, offsets, timestamps and headers are kept.
    case kcat
    /// One JSON value per line; key and time from fields (`--key`, `--time`).
    case jsonl
    /// A header row, then one event per line, as a JSON object with typed fields.
    case csv
}

public struct ImportOptions: Sendable {
    public var format: ImportFormat?
    public var keyField: String?
    public var timeField: String?
    public var partitions: Int32?
    public var skipBad = false
    public var now: Timestamp

    public init(format: ImportFormat? = nil, keyField: String? = nil, timeField: String? = nil, partitions: Int32? = nil,
                skipBad: Bool = false, now: Timestamp) {
        self.format = format
        self.keyField = keyField
        self.timeField = timeField
        self.partitions = partitions
        self.skipBad = skipBad
        self.now = now
    }
}

public struct ImportReport: Sendable {
    public var format: ImportFormat
    public var imported = 0
    public var partitions: Int32 = 1
    /// (line number, reason) of every line skipped with `skipBad`.
    public var badLines: [(Int, String)] = []
}

/// Turns captured text into a new topic, all or nothing (`EventLog.importTopic`): without
/// `skipBad` the first bad line stops the import as `FILE:LINE: reason` and the log is unchanged.
public enum Importer {
    struct Parsed {
        var partition: Int32?
        var offset: Int64?
        var record: ProducerRecord
    }

    public static func detect(_ lines: [String], name: String) -> ImportFormat {
        detect(firstLine: lines.first { !$0.trimmed.isEmpty }, name: name)
    }

    static func detect(firstLine: String?, name: String) -> ImportFormat {
        if name.lowercased().hasSuffix(".csv") { return .csv }
        guard let first = firstLine else { return .jsonl }
        var isKcat = false
        var hasPayload = false
        if first.trimmed.hasPrefix("{") {
            Array(first.utf8).withUnsafeBytes { bytes in
                JSONScanner.forEachMember(bytes) { key, _ in
                    if key == "payload" { hasPayload = true }
                    if key == "partition" || key == "offset" || key == "ts" { isKcat = true }
                    return true
                }
            }
            return isKcat && hasPayload ? .kcat : .jsonl
        }
        return .csv
    }

    /// `lines` held in memory (tests, small inputs); see `importStream`.
    public static func importLines(_ lines: [String], name: String, into log: EventLog, topic: String, options: ImportOptions) throws -> ImportReport {
        var iterator = lines.makeIterator()
        return try importStream(name: name, into: log, topic: topic, options: options) { iterator.next().map { Array($0.utf8) } }
    }

    /// Reads lines from `nextLine` (nil at the end) and appends as it goes: memory holds one
    /// 1,000-event chunk per partition, whatever the input's size. `progress` is called with the
    /// events imported so far after each chunk.
    public static func importStream(name: String, into log: EventLog, topic: String, options: ImportOptions,
                                    progress: (Int) -> Void = { _ in }, nextLine: () throws -> [UInt8]?) throws -> ImportReport {
        var lineNumber = 0
        var peeked: [UInt8]?
        var firstLine: String?
        while firstLine == nil, let line = try nextLine() {
            lineNumber += 1
            peeked = line
            if !String(decoding: line, as: UTF8.self).trimmed.isEmpty { firstLine = String(decoding: line, as: UTF8.self) }
        }
        let format = options.format ?? detect(firstLine: firstLine, name: name)
        var report = ImportReport(format: format)
        let routedPartitions = options.partitions ?? 1
        try log.importTopic(topic, config: TopicConfig(partitions: routedPartitions)) { staged in
            var router = ChunkRouter(staged: staged, partitions: options.partitions, routedPartitions: routedPartitions)
            var header: [String]?
            var pendingLine = peeked
            var number = lineNumber
            while true {
                let bytes: [UInt8]
                if let line = pendingLine {
                    bytes = line
                    pendingLine = nil
                } else {
                    guard let line = try nextLine() else { break }
                    bytes = line
                    number += 1
                }
                let line = String(decoding: bytes.last == 0x0D ? bytes.dropLast() : bytes[...], as: UTF8.self)
                if line.trimmed.isEmpty { continue }
                do {
                    var item: Parsed
                    switch format {
                    case .kcat: item = try kcat(line)
                    case .jsonl: item = try jsonl(line, options)
                    case .csv:
                        guard let columns = header else {
                            guard let fields = CSV.fields(line), !fields.isEmpty else { throw ImportProblem("unreadable CSV header") }
                            header = fields
                            continue
                        }
                        item = try csv(line, columns: columns, options)
                    }
                    if try router.add(item) { progress(router.imported) }
                } catch let problem as ImportProblem {
                    guard options.skipBad else { throw EventLogError(.invalidArgument, "\(name):\(number): \(problem.reason)") }
                    report.badLines.append((number, problem.reason))
                }
            }
            try router.flushAll()
            progress(router.imported)
            report.imported = router.imported
        }
        report.partitions = max(routedPartitions, (try? log.partitions(of: topic).count).map(Int32.init) ?? routedPartitions)
        return report
    }

    /// Sends parsed events to their partitions in chunks of 1,000: explicit kcat partitions (which
    /// create the partition if new), else by key (Kafka's murmur2) or round-robin over the topic's
    /// partitions. kcat offsets are kept exactly; one that does not increase within its partition
    /// is a bad line.
    struct ChunkRouter {
        let staged: StagedTopic
        let partitions: Int32?
        let routedPartitions: Int32
        var chunks: [Int32: (records: [ProducerRecord], offsets: [Int64])] = [:]
        var lastOffset: [Int32: Int64] = [:]
        var roundRobin: Int32 = 0
        var imported = 0

        /// Returns true when a chunk was appended.
        mutating func add(_ item: Parsed) throws -> Bool {
            let target: Int32
            if let partition = item.partition, partition >= 0, partitions.map({ partition < $0 }) ?? true {
                target = partition
            } else if let key = item.record.key {
                target = Partitioner().partition(forKey: key, partitions: routedPartitions)
            } else {
                target = roundRobin
                roundRobin = (roundRobin + 1) % routedPartitions
            }
            var flushed = false
            // A chunk is appended with its offsets or without: flush when the kind changes.
            if let chunk = chunks[target], (item.offset == nil) != chunk.offsets.isEmpty { flushed = try flush(target) }
            if let offset = item.offset {
                if let last = lastOffset[target], offset <= last {
                    throw ImportProblem("offset \(offset) does not follow offset \(last) of partition \(target)")
                }
                lastOffset[target] = offset
            }
            chunks[target, default: ([], [])].records.append(item.record)
            if let offset = item.offset { chunks[target]!.offsets.append(offset) }
            if chunks[target]!.records.count >= 1000 { flushed = try flush(target) || flushed }
            return flushed
        }

        mutating func flush(_ partition: Int32) throws -> Bool {
            guard let chunk = chunks.removeValue(forKey: partition), !chunk.records.isEmpty else { return false }
            let log = try staged.partition(partition)
            if chunk.offsets.isEmpty {
                // Without offsets of their own, events follow the last kept offset.
                try log.append(chunk.records)
            } else {
                try log.append(chunk.records, offsets: chunk.offsets)
            }
            if let last = chunk.offsets.last { lastOffset[partition] = last } else { lastOffset[partition] = try log.endOffset().rawValue - 1 }
            imported += chunk.records.count
            return true
        }

        mutating func flushAll() throws {
            for partition in chunks.keys.sorted() { _ = try flush(partition) }
        }
    }

    /// One kcat or JSON Lines line parsed as an import would (for the fuzz target); throws on bad input.
    public static func parseLine(_ line: String, format: ImportFormat) throws -> ProducerRecord {
        switch format {
        case .kcat: return try kcat(line).record
        case .jsonl: return try jsonl(line, ImportOptions(keyField: "id", timeField: "at", now: Timestamp(milliseconds: 0))).record
        case .csv: return try csv(line, columns: CSV.fields(line) ?? [], ImportOptions(now: Timestamp(milliseconds: 0))).record
        }
    }

    struct ImportProblem: Error {
        var reason: String
        init(_ reason: String) { self.reason = reason }
    }

    static func kcat(_ line: String) throws -> Parsed {
        let bytes = Array(line.utf8)
        var item = Parsed(record: ProducerRecord(value: nil, timestamp: Timestamp(milliseconds: 0)))
        var problem: String?
        let valid = bytes.withUnsafeBytes { raw in
            JSONScanner.isValid(raw) && JSONScanner.forEachMember(raw) { key, range in
                let value = UnsafeRawBufferPointer(rebasing: raw[range])
                switch key {
                case "partition": item.partition = JSONScanner.integer(value).map { Int32(clamping: $0) }
                case "offset": item.offset = JSONScanner.integer(value)
                case "ts": item.record.timestamp = Timestamp(milliseconds: JSONScanner.integer(value) ?? 0)
                case "key":
                    guard let bytes = EventJSON.bytes(fromJSON: value, allowAnyJSON: false) else { problem = "key must be a string or null"; return false }
                    item.record.key = bytes
                case "payload":
                    guard let bytes = EventJSON.bytes(fromJSON: value, allowAnyJSON: true) else { problem = "bad payload"; return false }
                    item.record.value = bytes
                case "headers":
                    guard let headers = kcatHeaders(value) else { problem = "headers must be [name, value, …]"; return false }
                    item.record.headers = headers
                default: break
                }
                return true
            }
        }
        guard valid, problem == nil else { throw ImportProblem(problem ?? "not a kcat JSON envelope") }
        return item
    }

    static func kcatHeaders(_ raw: UnsafeRawBufferPointer) -> [Header]? {
        if raw.elementsEqual("null".utf8) { return [] }
        var items: [UnsafeRawBufferPointer] = []
        guard JSONScanner.forEachElement(raw, { items.append(UnsafeRawBufferPointer(rebasing: raw[$0])); return true }), items.count % 2 == 0 else { return nil }
        var headers: [Header] = []
        for index in stride(from: 0, to: items.count, by: 2) {
            guard let name = JSONScanner.decodeString(items[index]), let value = EventJSON.bytes(fromJSON: items[index + 1], allowAnyJSON: false) else { return nil }
            headers.append(Header(key: name, value: value))
        }
        return headers
    }

    static func jsonl(_ line: String, _ options: ImportOptions) throws -> Parsed {
        let bytes = Array(line.utf8)
        guard bytes.withUnsafeBytes({ JSONScanner.isValid($0) }) else { throw ImportProblem("not valid JSON") }
        var record = ProducerRecord(value: bytes, timestamp: options.now)
        try bytes.withUnsafeBytes { raw in
            if let field = options.keyField, let value = member(field, raw) { record.key = Array((JSONFieldText.text(value) ?? "").utf8) }
            if let field = options.timeField {
                guard let value = member(field, raw) else { throw ImportProblem("no '\(field)' field for the time") }
                record.timestamp = try time(value)
            }
        }
        return Parsed(record: record)
    }

    static func csv(_ line: String, columns: [String], _ options: ImportOptions) throws -> Parsed {
        guard let fields = CSV.fields(line) else { throw ImportProblem("unclosed quote") }
        guard fields.count == columns.count else { throw ImportProblem("\(fields.count) fields, the header has \(columns.count)") }
        var json: [UInt8] = [UInt8(ascii: "{")]
        for (index, (name, field)) in zip(columns, fields).enumerated() {
            if index > 0 { json.append(UInt8(ascii: ",")) }
            JSONText.appendString(name, to: &json)
            json.append(UInt8(ascii: ":"))
            json += typedJSON(field)
        }
        json.append(UInt8(ascii: "}"))
        var record = ProducerRecord(value: json, timestamp: options.now)
        if let key = options.keyField {
            guard let index = columns.firstIndex(of: key) else { throw ImportProblem("no column '\(key)' for the key") }
            record.key = Array(fields[index].utf8)
        }
        if let timeColumn = options.timeField {
            guard let index = columns.firstIndex(of: timeColumn) else { throw ImportProblem("no column '\(timeColumn)' for the time") }
            record.timestamp = try time(UnsafeRawBufferPointer(start: nil, count: 0), text: fields[index])
        }
        return Parsed(record: record)
    }

    /// A CSV field as a JSON value: integers and decimals as numbers, true/false, empty as null, else text.
    static func typedJSON(_ field: String) -> [UInt8] {
        if field.isEmpty { return Array("null".utf8) }
        if field == "true" || field == "false" { return Array(field.utf8) }
        let bytes = Array(field.utf8)
        if bytes.withUnsafeBytes({ JSONScanner.isValid($0) }), let first = field.first, first == "-" || first.isNumber {
            return bytes
        }
        var out: [UInt8] = []
        JSONText.appendString(field, to: &out)
        return out
    }

    static func member(_ name: String, _ raw: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        Array(name.utf8).withUnsafeBytes { JSONScanner.member($0, in: raw) }
    }

    /// Epoch seconds, milliseconds or microseconds (by magnitude), or an ISO-8601 string.
    static func time(_ raw: UnsafeRawBufferPointer, text: String? = nil) throws -> Timestamp {
        if let number = JSONScanner.integer(raw) ?? text.flatMap({ Int64($0) }) {
            let magnitude = abs(number)
            if magnitude < 100_000_000_000 { return Timestamp(milliseconds: number * 1000) }
            if magnitude < 100_000_000_000_000 { return Timestamp(milliseconds: number) }
            return Timestamp(milliseconds: number / 1000)
        }
        let string = text ?? JSONScanner.decodeString(raw) ?? ""
        guard let parsed = try? TimeExpression.parse(string, now: Timestamp(milliseconds: 0)), !string.hasPrefix("-"), !string.hasPrefix("+") else {
            throw ImportProblem("cannot read time '\(string)'")
        }
        return parsed
    }
}

/// Text of a JSON value for keys: strings decoded, other values as their JSON text.
enum JSONFieldText {
    static func text(_ raw: UnsafeRawBufferPointer) -> String? {
        raw.first == UInt8(ascii: "\"") ? JSONScanner.decodeString(raw) : String(decoding: raw, as: UTF8.self)
    }
}

extension String {
    var trimmed: String {
        var text = Substring(self)
        while let first = text.first, first.isWhitespace { text = text.dropFirst() }
        while let last = text.last, last.isWhitespace { text = text.dropLast() }
        return String(text)
    }
}
