/// A bounds-checked reader over one frame: Kafka's primitive types, classic and compact
/// (flexible-version) forms. Every length and count is checked against the bytes that remain, and
/// counts against `KafkaLimits.arrayCountMax`, before anything is allocated; a bad length throws.
///
/// Classic: string = int16 length + UTF-8 (-1 = null); bytes = int32 length (-1 = null);
/// array = int32 count (-1 = null). Compact: unsigned varint of length + 1 (0 = null).
/// Tagged fields (flexible versions): unsigned varint count, then per field unsigned varint tag,
/// unsigned varint size, and that many bytes.
public struct KafkaReader {
    @usableFromInline let bytes: [UInt8]
    public private(set) var position: Int
    @usableFromInline let end: Int

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        self.position = 0
        self.end = bytes.count
    }

    init(bytes: [UInt8], position: Int, end: Int) {
        self.bytes = bytes
        self.position = position
        self.end = end
    }

    public var remaining: Int { end - position }

    @inline(__always)
    mutating func need(_ count: Int, _ field: String) throws {
        guard count <= remaining else { throw KafkaDecodeError.truncated(field: field, needed: count, remaining: remaining) }
    }

    @inline(__always)
    mutating func readFixed<T: FixedWidthInteger>(_: T.Type, _ field: String) throws -> T {
        let size = MemoryLayout<T>.size
        try need(size, field)
        var value: T = 0
        for index in position..<(position + size) { value = value << 8 | T(truncatingIfNeeded: bytes[index]) }
        position += size
        return value
    }

    public mutating func readInt8(_ field: String = "int8") throws -> Int8 { try readFixed(Int8.self, field) }
    public mutating func readInt16(_ field: String = "int16") throws -> Int16 { try readFixed(Int16.self, field) }
    public mutating func readInt32(_ field: String = "int32") throws -> Int32 { try readFixed(Int32.self, field) }
    public mutating func readInt64(_ field: String = "int64") throws -> Int64 { try readFixed(Int64.self, field) }
    public mutating func readUInt16(_ field: String = "uint16") throws -> UInt16 { try readFixed(UInt16.self, field) }
    public mutating func readUInt32(_ field: String = "uint32") throws -> UInt32 { try readFixed(UInt32.self, field) }

    public mutating func readBool(_ field: String = "bool") throws -> Bool { try readInt8(field) != 0 }

    public mutating func readFloat64(_ field: String = "float64") throws -> Double {
        Double(bitPattern: try readFixed(UInt64.self, field))
    }

    public mutating func readUUID(_ field: String = "uuid") throws -> KafkaUUID {
        KafkaUUID(high: try readFixed(UInt64.self, field), low: try readFixed(UInt64.self, field))
    }

    /// Unsigned LEB128, at most 5 bytes (32 bits).
    public mutating func readUnsignedVarint(_ field: String = "varint") throws -> UInt32 {
        var result: UInt32 = 0
        for index in 0..<5 {
            try need(1, field)
            let byte = bytes[position]
            position += 1
            if index == 4 && byte > 0x0F { throw KafkaDecodeError.varintTooLong }
            result |= UInt32(byte & 0x7F) << (7 * UInt32(index))
            if byte < 0x80 { return result }
        }
        throw KafkaDecodeError.varintTooLong
    }

    /// Unsigned LEB128, at most 10 bytes (64 bits).
    public mutating func readUnsignedVarlong(_ field: String = "varlong") throws -> UInt64 {
        var result: UInt64 = 0
        for index in 0..<10 {
            try need(1, field)
            let byte = bytes[position]
            position += 1
            if index == 9 && byte > 0x01 { throw KafkaDecodeError.varintTooLong }
            result |= UInt64(byte & 0x7F) << (7 * UInt64(index))
            if byte < 0x80 { return result }
        }
        throw KafkaDecodeError.varintTooLong
    }

    /// Zigzag-encoded signed varint (record fields).
    public mutating func readVarint(_ field: String = "varint") throws -> Int32 {
        let raw = try readUnsignedVarint(field)
        return Int32(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    public mutating func readVarlong(_ field: String = "varlong") throws -> Int64 {
        let raw = try readUnsignedVarlong(field)
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    // MARK: Lengths

    /// A classic int16/int32 or compact length; nil for the null marker. Checked against the bytes remaining.
    mutating func readLength(compact: Bool, wide: Bool, _ field: String) throws -> Int? {
        let length: Int64
        if compact {
            length = Int64(try readUnsignedVarint(field)) - 1
        } else {
            length = wide ? Int64(try readInt32(field)) : Int64(try readInt16(field))
        }
        if length == -1 { return nil }
        guard length >= 0, length <= Int64(remaining) else { throw KafkaDecodeError.lengthOutOfRange(field: field, length: length) }
        return Int(length)
    }

    mutating func takeBytes(_ count: Int) -> [UInt8] {
        let slice = Array(bytes[position..<(position + count)])
        position += count
        return slice
    }

    mutating func takeString(_ count: Int, _ field: String) throws -> String {
        let slice = bytes[position..<(position + count)]
        position += count
        guard let text = String(validating: slice, as: UTF8.self) else { throw KafkaDecodeError.invalidUTF8(field: field) }
        return text
    }

    // MARK: Strings and bytes

    public mutating func readString(compact: Bool, _ field: String = "string") throws -> String {
        guard let length = try readLength(compact: compact, wide: false, field) else { throw KafkaDecodeError.unexpectedNull(field: field) }
        return try takeString(length, field)
    }

    public mutating func readNullableString(compact: Bool, _ field: String = "string") throws -> String? {
        guard let length = try readLength(compact: compact, wide: false, field) else { return nil }
        return try takeString(length, field)
    }

    public mutating func readBytes(compact: Bool, _ field: String = "bytes") throws -> [UInt8] {
        guard let length = try readLength(compact: compact, wide: true, field) else { throw KafkaDecodeError.unexpectedNull(field: field) }
        return takeBytes(length)
    }

    public mutating func readNullableBytes(compact: Bool, _ field: String = "bytes") throws -> [UInt8]? {
        guard let length = try readLength(compact: compact, wide: true, field) else { return nil }
        return takeBytes(length)
    }

    // MARK: Arrays

    /// An array's element count (nil = null), bounded by the bytes remaining (each element takes at
    /// least one byte) and by `KafkaLimits.arrayCountMax`.
    public mutating func readArrayCount(compact: Bool, _ field: String = "array") throws -> Int? {
        let count: Int64 = compact ? Int64(try readUnsignedVarint(field)) - 1 : Int64(try readInt32(field))
        if count == -1 { return nil }
        guard count >= 0, count <= Int64(remaining), count <= Int64(KafkaLimits.arrayCountMax) else {
            throw KafkaDecodeError.lengthOutOfRange(field: field, length: count)
        }
        return Int(count)
    }

    public mutating func readArray<T>(compact: Bool, _ field: String, _ element: (inout KafkaReader) throws -> T) throws -> [T] {
        guard let count = try readArrayCount(compact: compact, field) else { throw KafkaDecodeError.unexpectedNull(field: field) }
        return try readElements(count, element)
    }

    public mutating func readNullableArray<T>(compact: Bool, _ field: String, _ element: (inout KafkaReader) throws -> T) throws -> [T]? {
        guard let count = try readArrayCount(compact: compact, field) else { return nil }
        return try readElements(count, element)
    }

    /// No reserveCapacity: memory grows with elements actually decoded, never with a claimed count.
    mutating func readElements<T>(_ count: Int, _ element: (inout KafkaReader) throws -> T) throws -> [T] {
        var result: [T] = []
        for _ in 0..<count { result.append(try element(&self)) }
        return result
    }

    // MARK: Tagged fields

    /// Reads a tagged-field section, calling `body` with each field's tag and a reader over exactly
    /// its bytes; a field `body` does not know it skips.
    public mutating func readTaggedFields(_ body: (UInt32, inout KafkaReader) throws -> Void) throws {
        let count = try readUnsignedVarint("tagged fields")
        guard count <= UInt32(KafkaLimits.taggedFieldsMax), Int(count) <= remaining else {
            throw KafkaDecodeError.lengthOutOfRange(field: "tagged fields", length: Int64(count))
        }
        for _ in 0..<count {
            let tag = try readUnsignedVarint("tag")
            let size = Int(try readUnsignedVarint("tag size"))
            try need(size, "tagged field \(tag)")
            var field = KafkaReader(bytes: bytes, position: position, end: position + size)
            position += size
            try body(tag, &field)
        }
    }

    /// Fails when bytes remain: a message must use exactly its frame.
    public func expectEnd() throws {
        if remaining != 0 { throw KafkaDecodeError.trailingBytes(remaining) }
    }
}
