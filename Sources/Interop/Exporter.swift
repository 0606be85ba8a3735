import Decoding
import EventLog
import Payloads

/// Where an export starts or stops: an offset (every partition) or a time.
public enum ExportBound: Hashable, Sendable {
    case offset(Int64)
    case time(Timestamp)
}

public enum ExportFormat: String, CaseIterable, Sendable {
    /// The `consume` envelope: {"topic","partition","offset","timestamp","key","headers","value"}.
    case jsonl
    /// kcat's `-J` envelope: {"topic","partition","offset","tstype","ts","broker","key","payload","headers":[k,v,…]}.
    case kcat
    /// partition,offset,timestamp,key,value with a header row; value as its text (JSON stays JSON).
    case csv
}

/// Writes a topic's records, partition by partition in offset order, `from` inclusive, `to`
/// exclusive (an offset, or the first event at or after a time).
public enum Exporter {
    @discardableResult
    public static func export(_ source: LogSource, topic: String, format: ExportFormat, from: ExportBound? = nil, to: ExportBound? = nil,
                              decoders: TopicDecoders? = nil, write: ([UInt8]) -> Void) throws -> Int {
        if format == .csv { write(Array("partition,offset,timestamp,key,value\n".utf8)) }
        var count = 0
        for id in try source.partitionNumbers(of: topic) {
            let partition = TopicPartition(topic: topic, partition: id)
            let start = try position(from, in: partition, of: source) ?? source.startOffset(of: partition)
            let stop = try position(to, in: partition, of: source)
            try source.forEachRecord(partition, from: start, until: stop) { record in
                switch format {
                case .jsonl: write(EventJSON.line(topic: topic, partition: id, record: record, decoders: decoders))
                case .kcat: write(kcatLine(topic: topic, partition: id, record: record))
                case .csv: write(csvLine(partition: id, record: record))
                }
                count += 1
                return true
            }
        }
        return count
    }

    static func position(_ bound: ExportBound?, in partition: TopicPartition, of source: LogSource) throws -> Offset? {
        switch bound {
        case nil: return nil
        case let .offset(offset)?: return Offset(offset)
        case let .time(time)?: return try source.offset(forTimestamp: time, in: partition)
        }
    }

    /// Text as a JSON string when it is UTF-8, else {"base64": …} (kcat itself would mangle it).
    static func appendText(_ bytes: [UInt8]?, to out: inout [UInt8]) {
        guard let bytes else { return JSONText.append("null", to: &out) }
        bytes.withUnsafeBytes { JSONText.appendBytes($0, embedJSON: false, to: &out) }
    }

    static func kcatLine(topic: String, partition: Int32, record: Record) -> [UInt8] {
        var out: [UInt8] = []
        JSONText.append("{\"topic\":", to: &out)
        JSONText.appendString(topic, to: &out)
        JSONText.append(",\"partition\":\(partition),\"offset\":\(record.offset.rawValue),\"tstype\":\"\(record.batch.timestampType == .createTime ? "create" : "logappend")\",\"ts\":\(record.timestamp.milliseconds),\"broker\":-1,\"key\":", to: &out)
        appendText(record.key, to: &out)
        JSONText.append(",\"payload\":", to: &out)
        appendText(record.value, to: &out)
        JSONText.append(",\"headers\":[", to: &out)
        for (index, header) in record.headers.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            JSONText.appendString(header.key, to: &out)
            out.append(UInt8(ascii: ","))
            appendText(header.value, to: &out)
        }
        JSONText.append("]}\n", to: &out)
        return out
    }

    static func csvLine(partition: Int32, record: Record) -> [UInt8] {
        let key = record.key.map { String(decoding: $0, as: UTF8.self) } ?? ""
        let value = record.value.map { String(decoding: $0, as: UTF8.self) } ?? ""
        return Array("\(partition),\(record.offset.rawValue),\(record.timestamp.milliseconds),\(CSV.quote(key)),\(CSV.quote(value))\n".utf8)
    }
}

/// RFC 4180 fields: quoted when they hold a comma, quote or line break; quotes doubled.
public enum CSV {
    public static func quote(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingAll("\"", with: "\"\"") + "\""
    }

    /// Splits one line into fields (quotes and doubled quotes honoured); nil when a quote is unclosed.
    public static func fields(_ line: String) -> [String]? {
        var fields: [String] = []
        var field = ""
        var quoted = false
        var characters = Array(line)[...]
        while let character = characters.popFirst() {
            if quoted {
                if character == "\"" {
                    if characters.first == "\"" { field.append("\""); characters.removeFirst() } else { quoted = false }
                } else {
                    field.append(character)
                }
            } else if character == "\"" && field.isEmpty {
                quoted = true
            } else if character == "," {
                fields.append(field)
                field = ""
            } else {
                field.append(character)
            }
        }
        guard !quoted else { return nil }
        fields.append(field)
        return fields
    }
}

extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var result = ""
        for character in self { if character == target { result += replacement } else { result.append(character) } }
        return result
    }
}
