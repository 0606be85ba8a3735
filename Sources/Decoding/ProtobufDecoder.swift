/// Protobuf with a schema (a message of a `ProtobufSchemaSet`) → JSON, close to proto3's JSON
/// mapping with the .proto field names: enums by name, repeated fields (packed or not) as arrays,
/// map fields as objects, nested messages as objects, bytes as {"base64": …}, 64-bit integers as
/// JSON numbers (views add them up; proto3's strings would not). Only fields on the wire appear —
/// the decoder shows what was sent. Fields the schema does not know (or whose wire type does not
/// match it) appear under their number, decoded as `ProtobufRawDecoder` would.
public enum ProtobufDecoder {
    public static func decode(_ bytes: UnsafeRawBufferPointer, message: ProtobufSchemaSet.MessageID, in set: ProtobufSchemaSet, into out: inout [UInt8]) throws {
        let mark = out.count
        do {
            try decodeMessage(bytes, message, set, depth: 0, into: &out)
        } catch {
            out.removeSubrange(mark...)
            throw error
        }
    }

    public static func decode(_ bytes: [UInt8], message: String, in set: ProtobufSchemaSet) throws -> String {
        guard let id = set.message(named: message) else { throw CodecError(.badSchema, "no message \(message)") }
        var out: [UInt8] = []
        try bytes.withUnsafeBytes { try decode($0, message: id, in: set, into: &out) }
        return String(decoding: out, as: UTF8.self)
    }

    static func decodeMessage(_ bytes: UnsafeRawBufferPointer, _ id: ProtobufSchemaSet.MessageID, _ set: ProtobufSchemaSet, depth: Int,
                              into out: inout [UInt8]) throws {
        guard depth < CodecLimits.depthMax else { throw CodecError(.limitExceeded, "messages nested deeper than \(CodecLimits.depthMax)") }
        let fields = try ProtobufWire.fields(bytes)
        let message = set.messages[id]
        out.append(UInt8(ascii: "{"))
        for (groupIndex, group) in ProtobufWire.grouped(fields).enumerated() {
            if groupIndex > 0 { out.append(UInt8(ascii: ",")) }
            guard let slot = message.byNumber[group.number], group.occurrences.allSatisfy({ wireMatches(fields[$0].wireType, message.fields[slot]) }) else {
                ProtobufRawDecoder.appendGroup(group, fields, bytes, depth: depth, into: &out)
                continue
            }
            let field = message.fields[slot]
            out.append(contentsOf: field.key)
            if field.type == .message, set.messages[field.target].isMapEntry {
                try mapField(group.occurrences.map { fields[$0] }, bytes, field, set, depth: depth, into: &out)
            } else if field.repeated {
                out.append(UInt8(ascii: "["))
                var first = true
                for occurrence in group.occurrences {
                    try repeatedElements(fields[occurrence], bytes, field, set, depth: depth, first: &first, into: &out)
                }
                out.append(UInt8(ascii: "]"))
            } else {
                // proto semantics: the last occurrence of a singular field wins.
                try value(fields[group.occurrences.last!], bytes, field, set, depth: depth, into: &out)
            }
        }
        out.append(UInt8(ascii: "}"))
    }

    static func wireType(of type: ProtobufSchemaSet.FieldType) -> UInt8 {
        switch type {
        case .int32, .int64, .uint32, .uint64, .sint32, .sint64, .bool, .enumeration: return 0
        case .fixed64, .sfixed64, .double: return 1
        case .fixed32, .sfixed32, .float: return 5
        case .string, .bytes, .message, .group: return 2
        }
    }

    static func wireMatches(_ wire: UInt8, _ field: ProtobufSchemaSet.Field) -> Bool {
        let expected = wireType(of: field.type)
        // Packed repeated scalars arrive length-delimited.
        return wire == expected || (field.repeated && wire == 2 && expected != 2)
    }

    static func repeatedElements(_ wireField: ProtobufWire.Field, _ bytes: UnsafeRawBufferPointer, _ field: ProtobufSchemaSet.Field,
                                 _ set: ProtobufSchemaSet, depth: Int, first: inout Bool, into out: inout [UInt8]) throws {
        let expected = wireType(of: field.type)
        guard wireField.wireType == 2, expected != 2 else {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            return try value(wireField, bytes, field, set, depth: depth, into: &out)
        }
        // Packed: the payload is the elements back to back.
        let payload = UnsafeRawBufferPointer(rebasing: bytes[wireField.payload])
        var position = 0
        while position < payload.count {
            var element = ProtobufWire.Field(number: field.number, wireType: expected, scalar: 0, payload: 0..<0)
            switch expected {
            case 0: element.scalar = try ProtobufWire.readVarint(payload, &position)
            case 1:
                guard payload.count - position >= 8 else { throw CodecError(.truncated, "packed field \(field.name) ends inside an element") }
                element.scalar = payload.loadUnaligned(fromByteOffset: position, as: UInt64.self).littleEndian
                position += 8
            default:
                guard payload.count - position >= 4 else { throw CodecError(.truncated, "packed field \(field.name) ends inside an element") }
                element.scalar = UInt64(payload.loadUnaligned(fromByteOffset: position, as: UInt32.self).littleEndian)
                position += 4
            }
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            try value(element, bytes, field, set, depth: depth, into: &out)
        }
    }

    static func value(_ wireField: ProtobufWire.Field, _ bytes: UnsafeRawBufferPointer, _ field: ProtobufSchemaSet.Field, _ set: ProtobufSchemaSet,
                      depth: Int, into out: inout [UInt8]) throws {
        let raw = wireField.scalar
        switch field.type {
        case .int32: JSONOutput.appendInt(Int64(Int32(truncatingIfNeeded: raw)), to: &out)
        case .int64, .sfixed64: JSONOutput.appendInt(Int64(bitPattern: raw), to: &out)
        case .uint32, .fixed32: JSONOutput.appendUInt(UInt64(UInt32(truncatingIfNeeded: raw)), to: &out)
        case .uint64, .fixed64: JSONOutput.appendUInt(raw, to: &out)
        case .sfixed32: JSONOutput.appendInt(Int64(Int32(bitPattern: UInt32(truncatingIfNeeded: raw))), to: &out)
        case .sint32:
            let value = UInt32(truncatingIfNeeded: raw)
            JSONOutput.appendInt(Int64(Int32(bitPattern: (value >> 1) ^ (0 &- (value & 1)))), to: &out)
        case .sint64: JSONOutput.appendInt(Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1))), to: &out)
        case .bool: raw != 0 ? JSONOutput.appendLiteral("true", to: &out) : JSONOutput.appendLiteral("false", to: &out)
        case .double: JSONOutput.appendDouble(Double(bitPattern: raw), to: &out)
        case .float: JSONOutput.appendFloat(Float(bitPattern: UInt32(truncatingIfNeeded: raw)), to: &out)
        case .enumeration:
            let number = Int32(truncatingIfNeeded: raw)
            if let name = set.enums[field.target][number] { out.append(contentsOf: name) } else { JSONOutput.appendInt(Int64(number), to: &out) }
        case .string: JSONOutput.appendString(UnsafeRawBufferPointer(rebasing: bytes[wireField.payload]), to: &out)
        case .bytes: JSONOutput.appendBase64Object(UnsafeRawBufferPointer(rebasing: bytes[wireField.payload]), to: &out)
        case .message, .group: try decodeMessage(UnsafeRawBufferPointer(rebasing: bytes[wireField.payload]), field.target, set, depth: depth + 1, into: &out)
        }
    }

    /// map<K, V> is a repeated entry message {1: key, 2: value}: printed as one JSON object, keys
    /// as strings (JSON requires it), a missing key or value as its type's default.
    static func mapField(_ entries: [ProtobufWire.Field], _ bytes: UnsafeRawBufferPointer, _ field: ProtobufSchemaSet.Field, _ set: ProtobufSchemaSet,
                         depth: Int, into out: inout [UInt8]) throws {
        let entryMessage = set.messages[field.target]
        guard let keySlot = entryMessage.byNumber[1], let valueSlot = entryMessage.byNumber[2] else {
            throw CodecError(.badSchema, "map entry \(entryMessage.fullName) lacks key or value")
        }
        let keyField = entryMessage.fields[keySlot]
        let valueField = entryMessage.fields[valueSlot]
        out.append(UInt8(ascii: "{"))
        for (index, entry) in entries.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            let payload = UnsafeRawBufferPointer(rebasing: bytes[entry.payload])
            let inner = try ProtobufWire.fields(payload)
            let key = inner.last { $0.number == 1 && wireMatches($0.wireType, keyField) }
            let value = inner.last { $0.number == 2 && wireMatches($0.wireType, valueField) }
            if keyField.type == .string {
                if let key { JSONOutput.appendString(UnsafeRawBufferPointer(rebasing: payload[key.payload]), to: &out) } else { JSONOutput.appendLiteral("\"\"", to: &out) }
            } else {
                var text: [UInt8] = []
                try self.value(key ?? ProtobufWire.Field(number: 1, wireType: 0, scalar: 0, payload: 0..<0), payload, keyField, set, depth: depth, into: &text)
                text.withUnsafeBytes { JSONOutput.appendString($0, to: &out) }
            }
            out.append(UInt8(ascii: ":"))
            if let value {
                try self.value(value, payload, valueField, set, depth: depth + 1, into: &out)
            } else {
                try self.value(ProtobufWire.Field(number: 2, wireType: wireType(of: valueField.type), scalar: 0, payload: 0..<0), payload, valueField, set,
                               depth: depth + 1, into: &out)
            }
        }
        out.append(UInt8(ascii: "}"))
    }
}
