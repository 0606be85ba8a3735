import Decoding
import EventLog
import Payloads

/// One-line previews of keys and values for the events pane: text as is (newlines shown as ⏎),
/// binary as a short hex run, never longer than `limit` characters.
public enum EventPreview {
    /// With a decoder, Avro/Protobuf bytes preview as their decoded (one-line) JSON.
    public static func oneLine(_ bytes: [UInt8], limit: Int, decoder: ValueDecoder?) -> String {
        guard let decoder, decoder.mayTransform else { return oneLine(bytes, limit: limit) }
        var decoded: [UInt8] = []
        let transformed = bytes.withUnsafeBytes { decoder.transform($0, scratch: &decoded) }
        return oneLine(transformed ? decoded : bytes, limit: limit)
    }

    public static func oneLine(_ bytes: [UInt8], limit: Int) -> String {
        let isText = bytes.withUnsafeBytes { JSONText.isValidUTF8($0) }
        guard isText else {
            let hex = bytes.prefix(16).map { byte -> String in
                let digits = String(byte, radix: 16)
                return digits.count == 1 ? "0" + digits : digits
            }.joined(separator: " ")
            return "⟨\(bytes.count) bytes⟩ " + hex + (bytes.count > 16 ? " …" : "")
        }
        var text = ""
        for character in String(decoding: bytes.prefix(limit * 4), as: UTF8.self) {
            if text.count >= limit { text.append("…"); break }
            switch character {
            case "\n", "\r\n": text.append("⏎")
            case "\t": text.append(" ")
            default: text.append(character)
            }
        }
        return text
    }
}

/// The lines of the event detail overlay: positions, times, key, headers, batch facts, and the
/// value pretty-printed (JSON) or as a hex + ASCII dump (binary).
public enum EventDetail {
    /// With `decoders`, a decoded key and value (Avro, Protobuf) are shown as pretty JSON under
    /// the schema that decoded them; a value that would not decode shows the reason, then raw.
    public static func lines(_ record: Record, topic: String, partition: Int32, decoders: TopicDecoders? = nil, aborted: Bool = false) -> [String] {
        var lines: [String] = []
        lines.append("Position:")
        lines.append("  \(topic)-\(partition) offset \(record.offset)   batch at byte \(record.batch.position) of its segment (\(record.batch.sizeInBytes) bytes)")
        lines.append("Time:")
        lines.append("  \(TimeFormat.iso(record.timestamp))  (\(record.timestamp.milliseconds) ms, \(record.batch.timestampType == .createTime ? "CreateTime" : "LogAppendTime"))")
        lines.append("Key:")
        lines.append("  " + (record.key.map { EventPreview.oneLine($0, limit: 200, decoder: decoders?.key) } ?? "null"))
        lines.append("Headers:")
        if record.headers.isEmpty { lines.append("  (none)") }
        for header in record.headers {
            lines.append("  \(header.key) = \(header.value.map { EventPreview.oneLine($0, limit: 200) } ?? "null")")
        }
        lines.append("Batch:")
        lines.append("  base offset \(record.batch.baseOffset)  last offset \(record.batch.lastOffset)  magic \(record.batch.magic)  compression \(record.batch.compression)")
        lines.append("  producer id \(record.batch.producerId)  epoch \(record.batch.producerEpoch)  base sequence \(record.batch.baseSequence)  leader epoch \(record.batch.partitionLeaderEpoch)")
        lines.append("  transactional \(record.batch.isTransactional)  control \(record.batch.isControl)")
        if aborted { lines.append("  ABORTED: its transaction ended in an ABORT marker (views and read_committed consumers skip it)") }
        guard let value = record.value else {
            lines.append("Value:")
            lines.append("  null (tombstone)")
            return lines
        }
        if let decoder = decoders?.value, decoder.mayTransform {
            var decoded: [UInt8] = []
            let info = value.withUnsafeBytes { decoder.appendJSON($0, to: &decoded) }
            if info.isTransformed {
                lines.append("Value (\(value.count) bytes, \(info.kind.rawValue)\(info.schemaLabel.map { " " + $0 } ?? "")):")
                lines += PrettyJSON.lines(decoded).map { "  " + $0 }
                return lines
            }
            if let note = info.note { lines.append("Value not decoded: \(note)") }
        }
        lines.append("Value (\(value.count) bytes):")
        if value.withUnsafeBytes({ JSONScanner.isValid($0) }) {
            lines += PrettyJSON.lines(value).map { "  " + $0 }
        } else if value.withUnsafeBytes({ JSONText.isValidUTF8($0) }) {
            lines += String(decoding: value, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }
        } else {
            lines += hexDump(value).map { "  " + $0 }
        }
        return lines
    }

    /// 16 bytes a line: offset, hex, ASCII (non-printable as '.').
    public static func hexDump(_ bytes: [UInt8]) -> [String] {
        stride(from: 0, to: min(bytes.count, 64 * 1024), by: 16).map { start in
            let chunk = bytes[start..<min(start + 16, bytes.count)]
            let hex = chunk.map { byte -> String in
                let digits = String(byte, radix: 16)
                return digits.count == 1 ? "0" + digits : digits
            }.joined(separator: " ")
            let ascii = String(chunk.map { $0 >= 0x20 && $0 < 0x7F ? Character(UnicodeScalar($0)) : "." })
            let position = String(start, radix: 16)
            return String(repeating: "0", count: max(0, 6 - position.count)) + position + "  " + hex.padding(47) + "  " + ascii
        }
    }
}

/// Indents valid JSON two spaces per level without reordering or reformatting scalars.
enum PrettyJSON {
    static func lines(_ bytes: [UInt8]) -> [String] {
        var lines: [String] = []
        var line = ""
        var depth = 0
        var inString = false
        var escaped = false
        func newline(_ delta: Int = 0) {
            if !line.trimmingCharacters(in: " ").isEmpty { lines.append(line) }
            depth += delta
            line = String(repeating: "  ", count: max(0, depth))
        }
        for scalar in String(decoding: bytes, as: UTF8.self).unicodeScalars {
            let character = Character(scalar)
            if inString {
                line.append(character)
                if escaped { escaped = false } else if character == "\\" { escaped = true } else if character == "\"" { inString = false }
                continue
            }
            switch character {
            case "\"":
                inString = true
                line.append(character)
            case "{", "[":
                line.append(character)
                newline(1)
            case "}", "]":
                newline(-1)
                line.append(character)
            case ",":
                line.append(character)
                newline()
            case ":": line.append(": ")
            case " ", "\n", "\r", "\t": break
            default: line.append(character)
            }
            if lines.count > 5000 { break }
        }
        newline()
        return lines
    }
}

extension String {
    func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
