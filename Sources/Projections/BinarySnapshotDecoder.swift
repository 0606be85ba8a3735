#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc

/// Decodes a `Codable` value from `BinarySnapshotFormat`, reading the bytes in place: a keyed
/// container notes where its members start in one pass (each value's length is skipped, not
/// walked) and decodes members where they lie; nothing is parsed twice and nothing is built that
/// the value does not ask for. Bad bytes (a truncated or corrupt file) throw `DecodingError`,
/// never trap.
struct BinarySnapshotDecoder {
    var userInfo: [CodingUserInfoKey: Any] = [:]

    static func isBinary(_ bytes: [UInt8]) -> Bool { bytes.starts(with: BinarySnapshotFormat.magic) }

    func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        guard Self.isBinary(bytes) else { throw Reader.corrupt("not a binary snapshot", []) }
        var info = userInfo
        info[BinarySnapshotEncoder.binaryKey] = true
        return try bytes.withUnsafeBytes { raw in
            let reader = Reader(bytes: raw, userInfo: info)
            let start = BinarySnapshotFormat.magic.count
            let end = try reader.valueEnd(at: start, path: [])
            guard end == raw.count else { throw Reader.corrupt("\(raw.count - end) bytes after the value", []) }
            return try reader.decode(T.self, at: start, path: [], depth: 0)
        }
    }
}

/// The bytes being decoded and the reads every container shares. Valid only during `decode`.
private final class Reader {
    typealias Tag = BinarySnapshotFormat.Tag
    let bytes: UnsafeRawBufferPointer
    let userInfo: [CodingUserInfoKey: Any]

    init(bytes: UnsafeRawBufferPointer, userInfo: [CodingUserInfoKey: Any]) {
        self.bytes = bytes
        self.userInfo = userInfo
    }

    static func corrupt(_ what: String, _ path: [CodingKey]) -> DecodingError {
        .dataCorrupted(DecodingError.Context(codingPath: path, debugDescription: "binary snapshot: " + what))
    }

    func tag(at position: Int, path: [CodingKey]) throws -> Tag {
        guard position < bytes.count else { throw Self.corrupt("truncated at byte \(position)", path) }
        guard let tag = Tag(rawValue: bytes[position]) else { throw Self.corrupt("unknown tag \(bytes[position]) at byte \(position)", path) }
        return tag
    }

    /// A varint at `position`; returns it and the position after it.
    func varint(at position: Int, path: [CodingKey]) throws -> (UInt64, Int) {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        var index = position
        while true {
            guard index < bytes.count, shift < 64 else { throw Self.corrupt("bad varint at byte \(position)", path) }
            let byte = bytes[index]
            result |= UInt64(byte & 0x7F) << shift
            index += 1
            if byte < 0x80 { return (result, index) }
            shift += 7
        }
    }

    /// A length-prefixed byte run at `position`: its range.
    func run(at position: Int, path: [CodingKey]) throws -> Range<Int> {
        let (count, start) = try varint(at: position, path: path)
        guard count <= UInt64(bytes.count - start) else { throw Self.corrupt("a \(count)-byte run past the end at byte \(position)", path) }
        return start..<(start + Int(count))
    }

    func string(_ range: Range<Int>) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    /// Where the value at `position` ends.
    func valueEnd(at position: Int, path: [CodingKey]) throws -> Int {
        switch try tag(at: position, path: path) {
        case .null, .false, .true: return position + 1
        case .int, .uint: return try varint(at: position + 1, path: path).1
        case .double:
            guard position + 9 <= bytes.count else { throw Self.corrupt("truncated number at byte \(position)", path) }
            return position + 9
        case .string, .blob: return try run(at: position + 1, path: path).upperBound
        case .array, .map:
            guard position + 5 <= bytes.count else { throw Self.corrupt("truncated container at byte \(position)", path) }
            let length = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: position + 1, as: UInt32.self)))
            guard length <= bytes.count - position - 5 else { throw Self.corrupt("a container past the end at byte \(position)", path) }
            return position + 5 + length
        }
    }

    /// A container's element count and where its elements start; the end is `valueEnd`.
    func container(at position: Int, expecting wanted: Tag, path: [CodingKey]) throws -> (count: Int, start: Int, end: Int) {
        let found = try tag(at: position, path: path)
        guard found == wanted else { throw typeMismatch(wanted == .map ? "a keyed container" : "an unkeyed container", found, path) }
        let end = try valueEnd(at: position, path: path)
        let (count, start) = try varint(at: position + 5, path: path)
        guard start <= end, count <= UInt64(end - start) else { throw Self.corrupt("bad element count at byte \(position)", path) }
        return (Int(count), start, end)
    }

    func typeMismatch(_ wanted: String, _ found: Tag, _ path: [CodingKey]) -> DecodingError {
        .typeMismatch(Any.self, DecodingError.Context(codingPath: path, debugDescription: "binary snapshot: expected \(wanted), found \(found)"))
    }

    // MARK: Scalars

    func isNull(at position: Int, path: [CodingKey]) throws -> Bool { try tag(at: position, path: path) == .null }

    func bool(at position: Int, path: [CodingKey]) throws -> Bool {
        switch try tag(at: position, path: path) {
        case .true: return true
        case .false: return false
        case let other: throw typeMismatch("a Bool", other, path)
        }
    }

    func string(at position: Int, path: [CodingKey]) throws -> String {
        let found = try tag(at: position, path: path)
        guard found == .string else { throw typeMismatch("a String", found, path) }
        return string(try run(at: position + 1, path: path))
    }

    func integer<T: FixedWidthInteger>(_ type: T.Type, at position: Int, path: [CodingKey]) throws -> T {
        let found = try tag(at: position, path: path)
        let result: T?
        switch found {
        case .int:
            let raw = try varint(at: position + 1, path: path).0
            result = T(exactly: Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1))))
        case .uint: result = T(exactly: try varint(at: position + 1, path: path).0)
        default: throw typeMismatch("\(T.self)", found, path)
        }
        guard let result else { throw Self.corrupt("number out of range for \(T.self) at byte \(position)", path) }
        return result
    }

    func double(at position: Int, path: [CodingKey]) throws -> Double {
        switch try tag(at: position, path: path) {
        case .double:
            _ = try valueEnd(at: position, path: path)
            return Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: position + 1, as: UInt64.self)))
        case .int: return Double(try integer(Int64.self, at: position, path: path))
        case .uint: return Double(try integer(UInt64.self, at: position, path: path))
        case let other: throw typeMismatch("a Double", other, path)
        }
    }

    // MARK: Values

    func decode<T: Decodable>(_ type: T.Type, at position: Int, path: [CodingKey], depth: Int) throws -> T {
        // The types the encoder writes without an encoder of their own come back the same way.
        if T.self == Int.self { return try integer(Int.self, at: position, path: path) as! T }
        if T.self == Int64.self { return try integer(Int64.self, at: position, path: path) as! T }
        if T.self == Int32.self { return try integer(Int32.self, at: position, path: path) as! T }
        if T.self == Double.self { return try double(at: position, path: path) as! T }
        if T.self == String.self { return try string(at: position, path: path) as! T }
        if T.self == Bool.self { return try bool(at: position, path: path) as! T }
        if T.self == [UInt8].self || T.self == Data.self || T.self == [UInt64].self {
            let found = try tag(at: position, path: path)
            guard found == .blob else { throw typeMismatch("bytes", found, path) }
            let range = try run(at: position + 1, path: path)
            let raw = UnsafeRawBufferPointer(rebasing: bytes[range])
            if T.self == [UInt8].self { return [UInt8](raw) as! T }
            if T.self == Data.self { return Data(raw) as! T }
            guard raw.count % 8 == 0 else { throw Self.corrupt("\(raw.count) bytes are not 8-byte words", path) }
            return (0..<raw.count / 8).map { UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self)) } as! T
        }
        guard depth < BinarySnapshotFormat.depthMax else { throw Self.corrupt("nested deeper than \(BinarySnapshotFormat.depthMax)", path) }
        return try T(from: ValueDecoder(reader: self, position: position, codingPath: path, depth: depth + 1))
    }
}

/// The `Decoder` for the value at one position.
private struct ValueDecoder: Decoder {
    let reader: Reader
    let position: Int
    let codingPath: [CodingKey]
    let depth: Int
    var userInfo: [CodingUserInfoKey: Any] { reader.userInfo }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(try KeyedContainer<Key>(reader: reader, position: position, codingPath: codingPath, depth: depth))
    }

    func unkeyedContainer() throws -> UnkeyedDecodingContainer {
        try UnkeyedContainer(reader: reader, position: position, codingPath: codingPath, depth: depth)
    }

    func singleValueContainer() throws -> SingleValueDecodingContainer { SingleContainer(decoder: self) }
}

private struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let reader: Reader
    let codingPath: [CodingKey]
    let depth: Int
    private let members: Members

    /// Where the members are. Members are nearly always read in the order they were written (a
    /// struct's synthesized `init(from:)`, a dictionary's `allKeys`), so lookups walk forward from
    /// `cursor` and compare one key; only a lookup out of order scans the container once into
    /// `keyRanges` (an upfront scan per container was three allocations for each of the 300
    /// accounts of a balances snapshot).
    final class Members {
        let count: Int
        let start: Int
        let end: Int
        var cursor: Int
        var index = 0
        var keyRanges: [Range<Int>]?
        var valuePositions: [Int] = []
        var hint = 0

        init(count: Int, start: Int, end: Int) {
            self.count = count
            self.start = start
            self.cursor = start
            self.end = end
        }
    }

    init(reader: Reader, position: Int, codingPath: [CodingKey], depth: Int) throws {
        self.reader = reader
        self.codingPath = codingPath
        self.depth = depth
        let (count, start, end) = try reader.container(at: position, expecting: .map, path: codingPath)
        members = Members(count: count, start: start, end: end)
    }

    /// Every member's key range and value position, scanned once.
    private func scanned() throws -> (keys: [Range<Int>], values: [Int]) {
        if let keys = members.keyRanges { return (keys, members.valuePositions) }
        var keys: [Range<Int>] = []
        var values: [Int] = []
        keys.reserveCapacity(members.count)
        values.reserveCapacity(members.count)
        var cursor = members.start
        for _ in 0..<members.count {
            let (key, valueEnd) = try member(at: cursor)
            keys.append(key)
            values.append(key.upperBound)
            cursor = valueEnd
        }
        members.keyRanges = keys
        members.valuePositions = values
        return (keys, values)
    }

    /// The member at `position`: its key's range and where its value ends, both inside the container.
    private func member(at position: Int) throws -> (key: Range<Int>, valueEnd: Int) {
        let key = try reader.run(at: position, path: codingPath)
        guard key.upperBound < members.end else { throw Reader.corrupt("a member past its container at byte \(position)", codingPath) }
        let valueEnd = try reader.valueEnd(at: key.upperBound, path: codingPath)
        guard valueEnd <= members.end else { throw Reader.corrupt("a member past its container at byte \(position)", codingPath) }
        return (key, valueEnd)
    }

    var allKeys: [Key] { ((try? scanned().keys) ?? []).compactMap { Key(stringValue: reader.string($0)) } }

    /// The value position of `key`; `advance` moves the forward walk past it (a decode), a peek
    /// (`contains`, `decodeNil`) leaves it for the decode that follows.
    private func find(_ key: Key, advance: Bool) throws -> Int? {
        var name = key.stringValue
        return try name.withUTF8 { wanted -> Int? in
            func matches(_ range: Range<Int>) -> Bool {
                range.count == wanted.count && (wanted.isEmpty || memcmp(reader.bytes.baseAddress! + range.lowerBound, wanted.baseAddress!, wanted.count) == 0)
            }
            if members.keyRanges == nil, members.index < members.count {
                let (range, valueEnd) = try member(at: members.cursor)
                if matches(range) {
                    if advance {
                        members.cursor = valueEnd
                        members.index += 1
                    }
                    return range.upperBound
                }
            }
            let (keys, values) = try scanned()
            let count = keys.count
            guard count > 0 else { return nil }
            var probe = members.hint < count ? members.hint : 0
            for _ in 0..<count {
                if matches(keys[probe]) {
                    members.hint = probe + 1
                    return values[probe]
                }
                probe = probe + 1 == count ? 0 : probe + 1
            }
            return nil
        }
    }

    private func position(of key: Key) throws -> Int {
        guard let position = try find(key, advance: true) else {
            throw DecodingError.keyNotFound(key, DecodingError.Context(codingPath: codingPath, debugDescription: "binary snapshot: no member \(key.stringValue)"))
        }
        return position
    }

    func contains(_ key: Key) -> Bool { ((try? find(key, advance: false)) ?? nil) != nil }
    func decodeNil(forKey key: Key) throws -> Bool {
        guard let position = try find(key, advance: false) else {
            throw DecodingError.keyNotFound(key, DecodingError.Context(codingPath: codingPath, debugDescription: "binary snapshot: no member \(key.stringValue)"))
        }
        return try reader.isNull(at: position, path: codingPath + [key])
    }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try reader.bool(at: try position(of: key), path: codingPath + [key]) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try reader.string(at: try position(of: key), path: codingPath + [key]) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try reader.double(at: try position(of: key), path: codingPath + [key]) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { Float(try reader.double(at: try position(of: key), path: codingPath + [key])) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try integer(type, key) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try integer(type, key) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try integer(type, key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try integer(type, key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try integer(type, key) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try integer(type, key) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try integer(type, key) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try integer(type, key) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try integer(type, key) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try integer(type, key) }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try reader.decode(type, at: try position(of: key), path: codingPath + [key], depth: depth)
    }

    private func integer<T: FixedWidthInteger>(_ type: T.Type, _ key: Key) throws -> T {
        try reader.integer(type, at: try position(of: key), path: codingPath + [key])
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        KeyedDecodingContainer(try KeyedContainer<NestedKey>(reader: reader, position: try position(of: key), codingPath: codingPath + [key], depth: depth + 1))
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> UnkeyedDecodingContainer {
        try UnkeyedContainer(reader: reader, position: try position(of: key), codingPath: codingPath + [key], depth: depth + 1)
    }

    func superDecoder() throws -> Decoder {
        let (keys, values) = try scanned()
        guard let index = keys.firstIndex(where: { reader.string($0) == "super" }) else {
            throw Reader.corrupt("no super member", codingPath)
        }
        return ValueDecoder(reader: reader, position: values[index], codingPath: codingPath, depth: depth + 1)
    }

    func superDecoder(forKey key: Key) throws -> Decoder {
        ValueDecoder(reader: reader, position: try position(of: key), codingPath: codingPath + [key], depth: depth + 1)
    }
}

private struct UnkeyedContainer: UnkeyedDecodingContainer {
    let reader: Reader
    let codingPath: [CodingKey]
    let depth: Int
    let count: Int?
    private(set) var currentIndex = 0
    private var cursor: Int
    private let end: Int

    init(reader: Reader, position: Int, codingPath: [CodingKey], depth: Int) throws {
        self.reader = reader
        self.codingPath = codingPath
        self.depth = depth
        let (count, start, end) = try reader.container(at: position, expecting: .array, path: codingPath)
        self.count = count
        cursor = start
        self.end = end
    }

    var isAtEnd: Bool { currentIndex >= count! }

    /// The next element's position, advancing past it.
    private mutating func next() throws -> Int {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(Any.self, DecodingError.Context(codingPath: codingPath, debugDescription: "binary snapshot: past the last element"))
        }
        let position = cursor
        cursor = try reader.valueEnd(at: position, path: codingPath)
        guard cursor <= end else { throw Reader.corrupt("an element past its container at byte \(position)", codingPath) }
        currentIndex += 1
        return position
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, try reader.isNull(at: cursor, path: codingPath) else { return false }
        _ = try next()
        return true
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try reader.bool(at: try next(), path: codingPath) }
    mutating func decode(_ type: String.Type) throws -> String { try reader.string(at: try next(), path: codingPath) }
    mutating func decode(_ type: Double.Type) throws -> Double { try reader.double(at: try next(), path: codingPath) }
    mutating func decode(_ type: Float.Type) throws -> Float { Float(try reader.double(at: try next(), path: codingPath)) }
    mutating func decode(_ type: Int.Type) throws -> Int { try reader.integer(type, at: try next(), path: codingPath) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try reader.integer(type, at: try next(), path: codingPath) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try reader.integer(type, at: try next(), path: codingPath) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try reader.integer(type, at: try next(), path: codingPath) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try reader.integer(type, at: try next(), path: codingPath) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try reader.integer(type, at: try next(), path: codingPath) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try reader.integer(type, at: try next(), path: codingPath) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try reader.integer(type, at: try next(), path: codingPath) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try reader.integer(type, at: try next(), path: codingPath) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try reader.integer(type, at: try next(), path: codingPath) }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try reader.decode(type, at: try next(), path: codingPath, depth: depth) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        KeyedDecodingContainer(try KeyedContainer<NestedKey>(reader: reader, position: try next(), codingPath: codingPath, depth: depth + 1))
    }

    mutating func nestedUnkeyedContainer() throws -> UnkeyedDecodingContainer {
        try UnkeyedContainer(reader: reader, position: try next(), codingPath: codingPath, depth: depth + 1)
    }

    mutating func superDecoder() throws -> Decoder {
        ValueDecoder(reader: reader, position: try next(), codingPath: codingPath, depth: depth + 1)
    }
}

private struct SingleContainer: SingleValueDecodingContainer {
    let decoder: ValueDecoder
    var codingPath: [CodingKey] { decoder.codingPath }
    private var reader: Reader { decoder.reader }
    private var position: Int { decoder.position }

    func decodeNil() -> Bool { (try? reader.isNull(at: position, path: codingPath)) ?? false }
    func decode(_ type: Bool.Type) throws -> Bool { try reader.bool(at: position, path: codingPath) }
    func decode(_ type: String.Type) throws -> String { try reader.string(at: position, path: codingPath) }
    func decode(_ type: Double.Type) throws -> Double { try reader.double(at: position, path: codingPath) }
    func decode(_ type: Float.Type) throws -> Float { Float(try reader.double(at: position, path: codingPath)) }
    func decode(_ type: Int.Type) throws -> Int { try reader.integer(type, at: position, path: codingPath) }
    func decode(_ type: Int8.Type) throws -> Int8 { try reader.integer(type, at: position, path: codingPath) }
    func decode(_ type: Int16.Type) throws -> Int16 { try reader.integer(type, at: position, path: codingPath) }
    func decode(_ type: Int32.Type) throws -> Int32 { try reader.integer(type, at: position, path: codingPath) }
    func decode(_ type: Int64.Type) throws -> Int64 { try reader.integer(type, at: position, path: codingPath) }
    func decode(_ type: UInt.Type) throws -> UInt { try reader.integer(type, at: position, path: codingPath) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try reader.integer(type, at: position, path: codingPath) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try reader.integer(type, at: position, path: codingPath) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try reader.integer(type, at: position, path: codingPath) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try reader.integer(type, at: position, path: codingPath) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try reader.decode(type, at: position, path: codingPath, depth: decoder.depth) }
}
