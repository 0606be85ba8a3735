/// The Confluent Schema Registry wire format that frames most production Kafka values:
///
///     byte 0      magic, always 0
///     bytes 1–4   schema id, big-endian int32
///     Avro:       the Avro binary encoding of the value
///     Protobuf:   message indexes (zigzag varint count, then that many zigzag varint indexes: the
///                 path of the message type in its .proto file); a lone 0 stands for [0], the first
///                 message — then the message's bytes
///
/// A frame is recognised only by its first byte and length, so plain binary that starts with 0 also
/// parses as one; callers treat the id as a claim to check against the registry, not a fact.
public struct ConfluentFrame: Hashable, Sendable {
    public static let headerBytes = 5

    public let schemaID: Int32
    /// Offset of the payload (after the 5-byte header) in the framed value.
    public let payloadStart: Int

    /// The frame of `bytes`, or nil when they cannot be one (not starting with 0, too short).
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> ConfluentFrame? {
        guard bytes.count >= headerBytes, bytes[0] == 0 else { return nil }
        let id = Int32(bitPattern: UInt32(bytes[1]) << 24 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 8 | UInt32(bytes[4]))
        return ConfluentFrame(schemaID: id, payloadStart: headerBytes)
    }

    /// Reads the Protobuf message-index array at `start`; returns the indexes and where the message
    /// begins. An empty array (the single byte 0) means the first message, [0].
    public static func messageIndexes(_ bytes: UnsafeRawBufferPointer, from start: Int) throws -> (indexes: [Int], messageStart: Int) {
        var position = start
        let count = try zigzag(bytes, &position)
        guard count >= 0, count <= Int64(CodecLimits.messageIndexesMax) else {
            throw CodecError(.malformed, "Confluent protobuf frame: \(count) message indexes", at: start)
        }
        if count == 0 { return ([0], position) }
        var indexes: [Int] = []
        for _ in 0..<count {
            let index = try zigzag(bytes, &position)
            guard index >= 0, index < Int64(Int32.max) else { throw CodecError(.malformed, "Confluent protobuf frame: message index \(index)", at: position) }
            indexes.append(Int(index))
        }
        return (indexes, position)
    }

    private static func zigzag(_ bytes: UnsafeRawBufferPointer, _ position: inout Int) throws -> Int64 {
        try readZigzagVarint(bytes, &position, truncated: "Confluent protobuf frame ends inside its message indexes")
    }
}
