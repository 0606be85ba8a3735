/// Appends Kafka's primitive types to a growing byte buffer; the encoding side of `KafkaReader`.
/// Total: every value has an encoding (a nil in a version that cannot carry null is written empty).
public struct KafkaWriter {
    public var bytes: [UInt8]

    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    @inline(__always)
    mutating func writeFixed<T: FixedWidthInteger>(_ value: T) {
        var big = value.bigEndian
        withUnsafeBytes(of: &big) { bytes.append(contentsOf: $0) }
    }

    public mutating func writeInt8(_ value: Int8) { bytes.append(UInt8(bitPattern: value)) }
    public mutating func writeInt16(_ value: Int16) { writeFixed(value) }
    public mutating func writeInt32(_ value: Int32) { writeFixed(value) }
    public mutating func writeInt64(_ value: Int64) { writeFixed(value) }
    public mutating func writeUInt16(_ value: UInt16) { writeFixed(value) }
    public mutating func writeUInt32(_ value: UInt32) { writeFixed(value) }
    public mutating func writeBool(_ value: Bool) { bytes.append(value ? 1 : 0) }
    public mutating func writeFloat64(_ value: Double) { writeFixed(value.bitPattern) }

    public mutating func writeUUID(_ value: KafkaUUID) {
        writeFixed(value.high)
        writeFixed(value.low)
    }

    public mutating func writeUnsignedVarint(_ value: UInt32) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(rest & 0x7F) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    public mutating func writeUnsignedVarlong(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(rest & 0x7F) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    public mutating func writeVarint(_ value: Int32) {
        writeUnsignedVarint(UInt32(bitPattern: (value << 1) ^ (value >> 31)))
    }

    public mutating func writeVarlong(_ value: Int64) {
        writeUnsignedVarlong(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    mutating func writeLength(_ length: Int?, compact: Bool, wide: Bool) {
        if compact {
            writeUnsignedVarint(length.map { UInt32($0 + 1) } ?? 0)
        } else if wide {
            writeInt32(length.map { Int32($0) } ?? -1)
        } else {
            writeInt16(length.map { Int16($0) } ?? -1)
        }
    }

    public mutating func writeString(_ value: String, compact: Bool) {
        var value = value
        value.withUTF8 { utf8 in
            writeLength(utf8.count, compact: compact, wide: false)
            bytes.append(contentsOf: utf8)
        }
    }

    public mutating func writeNullableString(_ value: String?, compact: Bool) {
        guard let value else { return writeLength(nil, compact: compact, wide: false) }
        writeString(value, compact: compact)
    }

    public mutating func writeBytes(_ value: [UInt8], compact: Bool) {
        writeLength(value.count, compact: compact, wide: true)
        bytes.append(contentsOf: value)
    }

    public mutating func writeNullableBytes(_ value: [UInt8]?, compact: Bool) {
        guard let value else { return writeLength(nil, compact: compact, wide: true) }
        writeBytes(value, compact: compact)
    }

    public mutating func writeArrayCount(_ count: Int?, compact: Bool) {
        writeLength(count, compact: compact, wide: true)
    }

    public mutating func writeArray<T>(_ values: [T], compact: Bool, _ element: (inout KafkaWriter, T) -> Void) {
        writeArrayCount(values.count, compact: compact)
        for value in values { element(&self, value) }
    }

    public mutating func writeNullableArray<T>(_ values: [T]?, compact: Bool, _ element: (inout KafkaWriter, T) -> Void) {
        guard let values else { return writeArrayCount(nil, compact: compact) }
        writeArray(values, compact: compact, element)
    }

    /// A tagged-field section: fields in ascending tag order, each already encoded.
    public mutating func writeTaggedFields(_ fields: [(tag: UInt32, bytes: [UInt8])]) {
        writeUnsignedVarint(UInt32(fields.count))
        for field in fields {
            writeUnsignedVarint(field.tag)
            writeUnsignedVarint(UInt32(field.bytes.count))
            bytes.append(contentsOf: field.bytes)
        }
    }
}
