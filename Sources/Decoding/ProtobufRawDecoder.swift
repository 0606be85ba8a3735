import Payloads

/// Protobuf without a schema, like `protoc --decode_raw`: an object keyed by field number, a
/// number seen more than once as an array. Varints and fixed-width values print as unsigned
/// integers (the wire does not say whether they are signed, zigzag or floats); a length-delimited
/// value is guessed: printable UTF-8 → a string, else a nested message if its bytes parse as one
/// exactly, else other UTF-8 → a string, else {"base64": …}. Packed repeated numbers cannot be told
/// from bytes without a schema and show as such.
public enum ProtobufRawDecoder {
    public static func decode(_ bytes: UnsafeRawBufferPointer, into out: inout [UInt8]) throws {
        let mark = out.count
        do {
            try message(bytes, depth: 0, into: &out)
        } catch {
            out.removeSubrange(mark...)
            throw error
        }
    }

    public static func decode(_ bytes: [UInt8]) throws -> String {
        var out: [UInt8] = []
        try bytes.withUnsafeBytes { try decode($0, into: &out) }
        return String(decoding: out, as: UTF8.self)
    }

    static func message(_ bytes: UnsafeRawBufferPointer, depth: Int, into out: inout [UInt8]) throws {
        guard depth < CodecLimits.depthMax else { throw CodecError(.limitExceeded, "messages nested deeper than \(CodecLimits.depthMax)") }
        let fields = try ProtobufWire.fields(bytes)
        out.append(UInt8(ascii: "{"))
        for (groupIndex, group) in ProtobufWire.grouped(fields).enumerated() {
            if groupIndex > 0 { out.append(UInt8(ascii: ",")) }
            appendGroup(group, fields, bytes, depth: depth, into: &out)
        }
        out.append(UInt8(ascii: "}"))
    }

    /// `"NUMBER":value`, or `"NUMBER":[values…]` when the field occurs more than once — also how
    /// schema-driven decoding shows fields its schema does not know.
    static func appendGroup(_ group: (number: Int32, occurrences: [Int]), _ fields: [ProtobufWire.Field], _ bytes: UnsafeRawBufferPointer,
                            depth: Int, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        JSONOutput.appendInt(Int64(group.number), to: &out)
        JSONOutput.appendLiteral("\":", to: &out)
        if group.occurrences.count > 1 { out.append(UInt8(ascii: "[")) }
        for (index, occurrence) in group.occurrences.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            value(fields[occurrence], in: bytes, depth: depth, into: &out)
        }
        if group.occurrences.count > 1 { out.append(UInt8(ascii: "]")) }
    }

    static func value(_ field: ProtobufWire.Field, in bytes: UnsafeRawBufferPointer, depth: Int, into out: inout [UInt8]) {
        guard field.wireType == 2 else { return JSONOutput.appendUInt(field.scalar, to: &out) }
        let payload = UnsafeRawBufferPointer(rebasing: bytes[field.payload])
        if isPrintableText(payload) { return JSONOutput.appendString(payload, to: &out) }
        let mark = out.count
        do {
            try message(payload, depth: depth + 1, into: &out)
        } catch {
            out.removeSubrange(mark...)
            if JSONText.isValidUTF8(payload) {
                JSONOutput.appendString(payload, to: &out)
            } else {
                JSONOutput.appendBase64Object(payload, to: &out)
            }
        }
    }

    /// Text a person wrote: UTF-8 with no control characters but tab. A nested message's first tag
    /// is almost always a control byte (field 1 is 0x08/0x0A), so this rarely steals one.
    static func isPrintableText(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard !bytes.isEmpty else { return true }
        for byte in bytes where (byte < 0x20 && byte != 0x09) || byte == 0x7F { return false }
        return JSONText.isValidUTF8(bytes)
    }
}
