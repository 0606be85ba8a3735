/// Avro binary encoding → JSON text (Avro 1.11 specification, "Binary Encoding"):
///
///     null       nothing                    boolean  one byte, 0 or 1
///     int, long  zigzag varint (≤ 5 / 10 bytes)
///     float      4 bytes little-endian IEEE  double   8 bytes little-endian IEEE
///     bytes, string   long length, then that many bytes (strings are UTF-8)
///     record     its fields in schema order  enum     int index of the symbol
///     array, map blocks: long count, then that many items (map: string key, value); a count of 0
///                ends; a negative count −n means n items preceded by the block's size in bytes
///     union      long branch index, then the branch's value
///     fixed      exactly `size` bytes
///
/// Output is one JSON value: records as objects, enums as their symbol, unions as the bare branch
/// value, bytes and fixed as {"base64": …}, NaN/∞ as strings, logical types readably (decimal as a
/// string with its scale, dates and times in ISO-8601, UTC for timestamps). A value is valid if and
/// only if it decodes to exactly its last byte; anything else throws `CodecError` with the byte
/// position, and the caller shows the record raw. Every length and count is checked against the
/// bytes that remain (items that take no bytes against `CodecLimits.zeroSizeItemsMax`), nesting
/// against `CodecLimits.depthMax`: hostile input cannot make it allocate, recurse or loop past
/// what its size justifies.
public enum AvroDecoder {
    /// Appends `bytes` decoded with `schema` as JSON to `out`. On error `out` is left as it was.
    public static func decode(_ bytes: UnsafeRawBufferPointer, schema: AvroSchema, into out: inout [UInt8]) throws {
        let mark = out.count
        do {
            try schema.nodes.withUnsafeBufferPointer { nodes in
                try schema.fields.withUnsafeBufferPointer { fields in
                    try schema.branches.withUnsafeBufferPointer { branches in
                        try schema.symbols.withUnsafeBufferPointer { symbols in
                            try schema.text.withUnsafeBytes { text in
                                var reader = AvroReader(bytes: bytes, nodes: nodes, fields: fields, branches: branches, symbols: symbols, text: text)
                                try reader.value(schema.root, depth: 0, into: &out)
                                guard reader.position == bytes.count else {
                                    throw CodecError(.trailingBytes, "Avro \(schema.name): \(bytes.count - reader.position) bytes left after the value", at: reader.position)
                                }
                            }
                        }
                    }
                }
            }
        } catch {
            out.removeSubrange(mark...)
            throw error
        }
    }

    /// The decoded value as a String (tests and tools; the hot path uses `decode(_:schema:into:)`).
    public static func decode(_ bytes: [UInt8], schema: AvroSchema) throws -> String {
        var out: [UInt8] = []
        try bytes.withUnsafeBytes { try decode($0, schema: schema, into: &out) }
        return String(decoding: out, as: UTF8.self)
    }
}

/// One decode's cursor over the value's bytes and the schema's arrays (borrowed, so the walk does
/// no reference counting).
struct AvroReader {
    let bytes: UnsafeRawBufferPointer
    let nodes: UnsafeBufferPointer<AvroSchema.Node>
    let fields: UnsafeBufferPointer<AvroSchema.Field>
    let branches: UnsafeBufferPointer<Int>
    let symbols: UnsafeBufferPointer<Range<Int>>
    let text: UnsafeRawBufferPointer
    var position = 0
    var zeroSizeItemsLeft = CodecLimits.zeroSizeItemsMax

    init(bytes: UnsafeRawBufferPointer, nodes: UnsafeBufferPointer<AvroSchema.Node>, fields: UnsafeBufferPointer<AvroSchema.Field>,
         branches: UnsafeBufferPointer<Int>, symbols: UnsafeBufferPointer<Range<Int>>, text: UnsafeRawBufferPointer) {
        self.bytes = bytes
        self.nodes = nodes
        self.fields = fields
        self.branches = branches
        self.symbols = symbols
        self.text = text
    }

    // MARK: Primitives

    /// A zigzag varint of at most 10 bytes (a long; ints use the same encoding).
    @inline(__always)
    mutating func readLong() throws -> Int64 {
        try readZigzagVarint(bytes, &position, truncated: "value ends inside a varint")
    }

    @inline(__always)
    mutating func take(_ count: Int) throws -> UnsafeRawBufferPointer {
        guard count <= bytes.count - position else {
            throw CodecError(.truncated, "needs \(count) bytes, \(bytes.count - position) left", at: position)
        }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[position..<(position + count)])
        position += count
        return slice
    }

    /// A length prefix (bytes, string): non-negative and within the bytes left.
    @inline(__always)
    mutating func readLength() throws -> Int {
        let start = position
        let length = try readLong()
        guard length >= 0 else { throw CodecError(.malformed, "negative length \(length)", at: start) }
        guard length <= Int64(bytes.count - position) else {
            throw CodecError(.truncated, "length \(length) is past the \(bytes.count - position) bytes left", at: start)
        }
        return Int(length)
    }

    // MARK: Values

    mutating func value(_ index: Int, depth: Int, into out: inout [UInt8]) throws {
        let node = nodes[index]
        switch node.kind {
        case .null: JSONOutput.appendLiteral("null", to: &out)
        case .boolean:
            let byte = try take(1)[0]
            guard byte <= 1 else { throw CodecError(.malformed, "boolean byte \(byte)", at: position - 1) }
            byte == 1 ? JSONOutput.appendLiteral("true", to: &out) : JSONOutput.appendLiteral("false", to: &out)
        case .int:
            let start = position
            let value = try readLong()
            guard value >= Int64(Int32.min), value <= Int64(Int32.max) else { throw CodecError(.malformed, "int \(value) out of 32-bit range", at: start) }
            node.logical == .none ? JSONOutput.appendInt(value, to: &out) : AvroLogicalText.appendInt(value, node.logical, to: &out)
        case .long:
            let value = try readLong()
            node.logical == .none ? JSONOutput.appendInt(value, to: &out) : AvroLogicalText.appendLong(value, node.logical, to: &out)
        case .float: JSONOutput.appendFloat(Float(bitPattern: try take(4).loadUnaligned(as: UInt32.self).littleEndian), to: &out)
        case .double: JSONOutput.appendDouble(Double(bitPattern: try take(8).loadUnaligned(as: UInt64.self).littleEndian), to: &out)
        case .string: JSONOutput.appendString(try take(try readLength()), to: &out)
        case .bytes: try appendBinary(try take(try readLength()), node, to: &out)
        case .fixed: try appendBinary(try take(node.count), node, to: &out)
        case .enumeration:
            let start = position
            let symbol = try readLong()
            guard symbol >= 0, symbol < Int64(node.count) else { throw CodecError(.malformed, "enum index \(symbol) of \(node.count) symbols", at: start) }
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: text[symbols[node.first + Int(symbol)]]))
        case .union:
            let start = position
            let branch = try readLong()
            guard branch >= 0, branch < Int64(node.count) else { throw CodecError(.malformed, "union branch \(branch) of \(node.count)", at: start) }
            try nested(branches[node.first + Int(branch)], depth: depth, into: &out)
        case .record: try record(node, depth: depth, into: &out)
        case .array: try blocks(node, isMap: false, depth: depth, into: &out)
        case .map: try blocks(node, isMap: true, depth: depth, into: &out)
        }
    }

    @inline(__always)
    private mutating func nested(_ index: Int, depth: Int, into out: inout [UInt8]) throws {
        guard depth < CodecLimits.depthMax else { throw CodecError(.limitExceeded, "nesting deeper than \(CodecLimits.depthMax)", at: position) }
        try value(index, depth: depth + 1, into: &out)
    }

    private mutating func record(_ node: AvroSchema.Node, depth: Int, into out: inout [UInt8]) throws {
        out.append(UInt8(ascii: "{"))
        for field in node.first..<(node.first + node.count) {
            if field != node.first { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: text[fields[field].key]))
            try nested(fields[field].type, depth: depth, into: &out)
        }
        out.append(UInt8(ascii: "}"))
    }

    /// Arrays and maps: blocks until a zero count. Each block's count is checked against what its
    /// items need at least, so a count of 2^62 in a 10-byte value fails at once instead of looping.
    private mutating func blocks(_ node: AvroSchema.Node, isMap: Bool, depth: Int, into out: inout [UInt8]) throws {
        out.append(isMap ? UInt8(ascii: "{") : UInt8(ascii: "["))
        let itemBytes = isMap ? 1 + nodes[node.first].minBytes : nodes[node.first].minBytes
        var first = true
        while true {
            let start = position
            var count = try readLong()
            if count == 0 { break }
            if count < 0 {
                guard count != Int64.min else { throw CodecError(.malformed, "block count \(count)", at: start) }
                count = -count
                let size = try readLong() // the block's byte size: lets readers skip; we decode instead
                guard size >= 0 else { throw CodecError(.malformed, "negative block size \(size)", at: start) }
            }
            if itemBytes > 0 {
                guard count <= Int64((bytes.count - position) / itemBytes) else {
                    throw CodecError(.truncated, "block of \(count) items cannot fit in the \(bytes.count - position) bytes left", at: start)
                }
            } else {
                guard count <= Int64(zeroSizeItemsLeft) else {
                    throw CodecError(.limitExceeded, "more than \(CodecLimits.zeroSizeItemsMax) items that take no bytes", at: start)
                }
                zeroSizeItemsLeft -= Int(count)
            }
            for _ in 0..<Int(count) {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                if isMap {
                    JSONOutput.appendString(try take(try readLength()), to: &out)
                    out.append(UInt8(ascii: ":"))
                }
                try nested(node.first, depth: depth, into: &out)
            }
        }
        out.append(isMap ? UInt8(ascii: "}") : UInt8(ascii: "]"))
    }

    private func appendBinary(_ raw: UnsafeRawBufferPointer, _ node: AvroSchema.Node, to out: inout [UInt8]) throws {
        switch node.logical {
        case .decimal: AvroLogicalText.appendDecimal(raw, scale: node.scale, to: &out)
        case .duration: AvroLogicalText.appendDuration(raw, to: &out)
        case .uuid where raw.count == 16: AvroLogicalText.appendUUID(raw, to: &out)
        default: JSONOutput.appendBase64Object(raw, to: &out)
        }
    }
}
