import Decoding
import EventLog
import Payloads

/// The one-line JSON form of an event that `consume` prints and `produce --envelope` reads back:
/// {"topic","partition","offset","timestamp","key","headers":[[name,value],…],"value"}.
/// Values that are JSON are spliced in unchanged; other UTF-8 becomes a string; other bytes
/// become {"base64": "…"}. Keys and header values are strings (or base64 objects), never parsed.
public enum EventJSON {
    /// With `decoders`, keys and values are decoded (Avro, Protobuf, …) and a decoded one is
    /// followed by `"key_schema"`/`"value_schema"` (the schema that decoded it) and
    /// `"key_note"`/`"value_note"` (why it is shown raw); without, bytes print as they are.
    public static func line(topic: String, partition: Int32, record: Record, decoders: TopicDecoders? = nil) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128 + (record.value?.count ?? 0))
        append(topic: topic, partition: partition, record: record, decoders: decoders, to: &out)
        return out
    }

    /// The line appended to `out`: what `consume` does for each event, into its output buffer, so
    /// printing allocates nothing per event (no array per line, no String per number).
    public static func append(topic: String, partition: Int32, record: Record, decoders: TopicDecoders? = nil, to out: inout [UInt8]) {
        appendLiteral("{\"topic\":", to: &out)
        JSONText.appendString(topic, to: &out)
        appendLiteral(",\"partition\":", to: &out)
        appendDecimal(Int64(partition), to: &out)
        appendLiteral(",\"offset\":", to: &out)
        appendDecimal(record.offset.rawValue, to: &out)
        appendLiteral(",\"timestamp\":", to: &out)
        appendDecimal(record.timestamp.milliseconds, to: &out)
        appendLiteral(",\"key\":", to: &out)
        let keyInfo = appendDecoded(record.key, embedJSON: false, decoder: decoders?.key, to: &out)
        appendLiteral(",\"headers\":[", to: &out)
        for (index, header) in record.headers.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "["))
            JSONText.appendString(header.key, to: &out)
            out.append(UInt8(ascii: ","))
            appendBytes(header.value, embedJSON: false, to: &out)
            out.append(UInt8(ascii: "]"))
        }
        appendLiteral("],\"value\":", to: &out)
        let valueInfo = appendDecoded(record.value, embedJSON: true, decoder: decoders?.value, to: &out)
        appendInfo(keyInfo, prefix: "key", to: &out)
        appendInfo(valueInfo, prefix: "value", to: &out)
        appendLiteral("}\n", to: &out)
    }

    /// A literal's bytes straight from the binary: appending a String's utf8 view took String's
    /// generic copy path for each of the eight literals of every event (3% of `consume` in perf).
    @inline(__always)
    static func appendLiteral(_ literal: StaticString, to out: inout [UInt8]) {
        literal.withUTF8Buffer { out.append(contentsOf: $0) }
    }

    /// `value` in decimal, as String(value) would print it, without making the String.
    static func appendDecimal(_ value: Int64, to out: inout [UInt8]) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0) // 24 bytes hold Int64's 20 digits
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[23 - count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[(24 - count)...]))
        }
    }

    private static func appendDecoded(_ bytes: [UInt8]?, embedJSON: Bool, decoder: ValueDecoder?, to out: inout [UInt8]) -> DecodedValue? {
        guard let decoder else {
            appendBytes(bytes, embedJSON: embedJSON, to: &out)
            return nil
        }
        guard let bytes else { return decoder.appendJSON(nil, to: &out) }
        return bytes.withUnsafeBytes { decoder.appendJSON($0, to: &out) }
    }

    private static func appendInfo(_ info: DecodedValue?, prefix: String, to out: inout [UInt8]) {
        guard let info else { return }
        if let label = info.schemaLabel {
            JSONText.append(",\"\(prefix)_schema\":", to: &out)
            JSONText.appendString(label, to: &out)
        }
        if let note = info.note {
            JSONText.append(",\"\(prefix)_note\":", to: &out)
            JSONText.appendString(note, to: &out)
        }
    }

    private static func appendBytes(_ bytes: [UInt8]?, embedJSON: Bool, to out: inout [UInt8]) {
        guard let bytes else {
            JSONText.appendBytes(nil, embedJSON: embedJSON, to: &out)
            return
        }
        bytes.withUnsafeBytes { JSONText.appendBytes($0, embedJSON: embedJSON, to: &out) }
    }

    /// Bytes from the JSON form: a string's UTF-8, a {"base64"} object's bytes, null as nil, and any
    /// other JSON value (for `value`) as its own text.
    public static func bytes(fromJSON raw: UnsafeRawBufferPointer, allowAnyJSON: Bool) -> [UInt8]?? {
        let text = String(decoding: raw, as: UTF8.self)
        if text == "null" { return .some(nil) }
        if raw.first == UInt8(ascii: "\"") { return JSONScanner.decodeString(raw).map { Array($0.utf8) } }
        if raw.first == UInt8(ascii: "{") {
            var base64: String?
            var members = 0
            JSONScanner.forEachMember(raw) { key, range in
                members += 1
                if key == "base64" { base64 = JSONScanner.decodeString(UnsafeRawBufferPointer(rebasing: raw[range])) }
                return true
            }
            if members == 1, let base64 { return Base64.decode(base64).map { .some($0) } }
        }
        return allowAnyJSON ? .some(Array(raw)) : nil
    }
}
