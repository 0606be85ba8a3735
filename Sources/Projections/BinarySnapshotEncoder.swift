#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Encodes a `Codable` value in `BinarySnapshotFormat`. Containers collect a small tree first
/// (Codable may write into a container after a nested one was opened, so nothing can be streamed
/// before the whole value is known), then one pass writes the bytes.
struct BinarySnapshotEncoder {
    var userInfo: [CodingUserInfoKey: Any] = [:]

    /// Set in `userInfo` of both coders, so a type can choose a form that suits bytes over text.
    static let binaryKey = CodingUserInfoKey(rawValue: "rewind.binarySnapshot")!

    func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        var info = userInfo
        info[Self.binaryKey] = true
        let root = try TreeEncoder(codingPath: [], userInfo: info).box(value)
        var out = BinarySnapshotFormat.magic
        out.reserveCapacity(4096)
        Self.write(root, to: &out)
        return out
    }

    indirect enum Value {
        case null
        case bool(Bool)
        case int(Int64)
        case uint(UInt64)
        case double(Double)
        case string(String)
        case blob([UInt8])
        case array(Children)
        case map(Children)
    }

    /// A container's elements; a class so a container handed out earlier keeps writing into it.
    final class Children {
        var keys: [String] = []
        var values: [Value] = []
    }

    static func write(_ value: Value, to out: inout [UInt8]) {
        typealias Tag = BinarySnapshotFormat.Tag
        switch value {
        case .null: out.append(Tag.null.rawValue)
        case let .bool(flag): out.append(flag ? Tag.true.rawValue : Tag.false.rawValue)
        case let .int(number):
            out.append(Tag.int.rawValue)
            writeVarint(UInt64(bitPattern: (number << 1) ^ (number >> 63)), to: &out)
        case let .uint(number):
            out.append(Tag.uint.rawValue)
            writeVarint(number, to: &out)
        case let .double(number):
            out.append(Tag.double.rawValue)
            withUnsafeBytes(of: number.bitPattern.littleEndian) { out.append(contentsOf: $0) }
        case let .string(text):
            out.append(Tag.string.rawValue)
            writeString(text, to: &out)
        case let .blob(bytes):
            out.append(Tag.blob.rawValue)
            writeVarint(UInt64(bytes.count), to: &out)
            out.append(contentsOf: bytes)
        case let .array(children), let .map(children):
            let isMap: Bool
            if case .map = value { isMap = true } else { isMap = false }
            out.append(isMap ? Tag.map.rawValue : Tag.array.rawValue)
            let lengthAt = out.count
            out.append(contentsOf: [0, 0, 0, 0])
            writeVarint(UInt64(children.values.count), to: &out)
            for (index, child) in children.values.enumerated() {
                if isMap { writeString(children.keys[index], to: &out) }
                write(child, to: &out)
            }
            let length = UInt32(out.count - lengthAt - 4)
            withUnsafeBytes(of: length.littleEndian) { bytes in for offset in 0..<4 { out[lengthAt + offset] = bytes[offset] } }
        }
    }

    static func writeVarint(_ value: UInt64, to out: inout [UInt8]) {
        var rest = value
        while rest >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        out.append(UInt8(rest))
    }

    static func writeString(_ text: String, to out: inout [UInt8]) {
        writeVarint(UInt64(text.utf8.count), to: &out)
        out.append(contentsOf: text.utf8)
    }
}

/// The `Encoder` handed to each value: it turns the value into one `Value`.
private final class TreeEncoder: Encoder {
    typealias Value = BinarySnapshotEncoder.Value
    let codingPath: [CodingKey]
    let userInfo: [CodingUserInfoKey: Any]
    var value: Value?

    init(codingPath: [CodingKey], userInfo: [CodingUserInfoKey: Any]) {
        self.codingPath = codingPath
        self.userInfo = userInfo
    }

    /// A value as the tree holds it: primitives and byte runs without an encoder of their own.
    func box<T: Encodable>(_ value: T, key: CodingKey? = nil) throws -> Value {
        if let primitive = Self.primitive(value) { return primitive }
        let child = TreeEncoder(codingPath: key.map { codingPath + [$0] } ?? codingPath, userInfo: userInfo)
        try value.encode(to: child)
        // A value that encoded nothing is an empty map, as JSONEncoder writes `{}`.
        return child.value ?? .map(BinarySnapshotEncoder.Children())
    }

    /// Exact types only: a cast like `as? [UInt8]` also succeeds for an empty `[Int]`, which
    /// would then come back as bytes.
    static func primitive<T: Encodable>(_ value: T) -> Value? {
        if T.self == Int.self { return .int(Int64(value as! Int)) }
        if T.self == Int64.self { return .int(value as! Int64) }
        if T.self == Int32.self { return .int(Int64(value as! Int32)) }
        if T.self == Double.self { return .double(value as! Double) }
        if T.self == String.self { return .string(value as! String) }
        if T.self == Bool.self { return .bool(value as! Bool) }
        if T.self == [UInt8].self { return .blob(value as! [UInt8]) }
        if T.self == Data.self { return .blob([UInt8](value as! Data)) }
        if T.self == [UInt64].self {
            let words = value as! [UInt64]
            var bytes = [UInt8](repeating: 0, count: words.count * 8)
            bytes.withUnsafeMutableBytes { raw in
                for (index, word) in words.enumerated() { raw.storeBytes(of: word.littleEndian, toByteOffset: index * 8, as: UInt64.self) }
            }
            return .blob(bytes)
        }
        return nil
    }

    /// The container's children, made on first use; asking twice returns the same ones.
    func children(map: Bool) -> BinarySnapshotEncoder.Children {
        switch value {
        case let .map(children)? where map: return children
        case let .array(children)? where !map: return children
        default:
            let children = BinarySnapshotEncoder.Children()
            value = map ? .map(children) : .array(children)
            return children
        }
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(KeyedContainer<Key>(encoder: self, children: children(map: true), codingPath: codingPath))
    }

    func unkeyedContainer() -> UnkeyedEncodingContainer {
        UnkeyedContainer(encoder: self, children: children(map: false), codingPath: codingPath)
    }

    func singleValueContainer() -> SingleValueEncodingContainer { SingleContainer(encoder: self) }

    struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let encoder: TreeEncoder
        let children: BinarySnapshotEncoder.Children
        let codingPath: [CodingKey]

        private func put(_ value: Value, _ key: Key) {
            children.keys.append(key.stringValue)
            children.values.append(value)
        }

        mutating func encodeNil(forKey key: Key) throws { put(.null, key) }
        mutating func encode(_ value: Bool, forKey key: Key) throws { put(.bool(value), key) }
        mutating func encode(_ value: String, forKey key: Key) throws { put(.string(value), key) }
        mutating func encode(_ value: Double, forKey key: Key) throws { put(.double(value), key) }
        mutating func encode(_ value: Float, forKey key: Key) throws { put(.double(Double(value)), key) }
        mutating func encode(_ value: Int, forKey key: Key) throws { put(.int(Int64(value)), key) }
        mutating func encode(_ value: Int8, forKey key: Key) throws { put(.int(Int64(value)), key) }
        mutating func encode(_ value: Int16, forKey key: Key) throws { put(.int(Int64(value)), key) }
        mutating func encode(_ value: Int32, forKey key: Key) throws { put(.int(Int64(value)), key) }
        mutating func encode(_ value: Int64, forKey key: Key) throws { put(.int(value), key) }
        mutating func encode(_ value: UInt, forKey key: Key) throws { put(.uint(UInt64(value)), key) }
        mutating func encode(_ value: UInt8, forKey key: Key) throws { put(.uint(UInt64(value)), key) }
        mutating func encode(_ value: UInt16, forKey key: Key) throws { put(.uint(UInt64(value)), key) }
        mutating func encode(_ value: UInt32, forKey key: Key) throws { put(.uint(UInt64(value)), key) }
        mutating func encode(_ value: UInt64, forKey key: Key) throws { put(.uint(value), key) }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { put(try encoder.box(value, key: key), key) }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
            let nested = BinarySnapshotEncoder.Children()
            put(.map(nested), key)
            return KeyedEncodingContainer(KeyedContainer<NestedKey>(encoder: encoder, children: nested, codingPath: codingPath + [key]))
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> UnkeyedEncodingContainer {
            let nested = BinarySnapshotEncoder.Children()
            put(.array(nested), key)
            return UnkeyedContainer(encoder: encoder, children: nested, codingPath: codingPath + [key])
        }

        mutating func superEncoder() -> Encoder { superEncoder(named: "super") }
        mutating func superEncoder(forKey key: Key) -> Encoder { superEncoder(named: key.stringValue) }

        private func superEncoder(named name: String) -> Encoder {
            let child = TreeEncoder(codingPath: codingPath, userInfo: encoder.userInfo)
            let nested = BinarySnapshotEncoder.Children()
            child.value = .map(nested)
            children.keys.append(name)
            children.values.append(.map(nested))
            return child
        }
    }

    struct UnkeyedContainer: UnkeyedEncodingContainer, ValuePutting {
        let encoder: TreeEncoder
        let children: BinarySnapshotEncoder.Children
        let codingPath: [CodingKey]
        var count: Int { children.values.count }

        func put(_ value: Value) { children.values.append(value) }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            let nested = BinarySnapshotEncoder.Children()
            put(.map(nested))
            return KeyedEncodingContainer(KeyedContainer<NestedKey>(encoder: encoder, children: nested, codingPath: codingPath))
        }

        mutating func nestedUnkeyedContainer() -> UnkeyedEncodingContainer {
            let nested = BinarySnapshotEncoder.Children()
            put(.array(nested))
            return UnkeyedContainer(encoder: encoder, children: nested, codingPath: codingPath)
        }

        mutating func superEncoder() -> Encoder {
            let child = TreeEncoder(codingPath: codingPath, userInfo: encoder.userInfo)
            let nested = BinarySnapshotEncoder.Children()
            child.value = .map(nested)
            put(.map(nested))
            return child
        }
    }

    struct SingleContainer: SingleValueEncodingContainer, ValuePutting {
        let encoder: TreeEncoder
        var codingPath: [CodingKey] { encoder.codingPath }

        func put(_ value: Value) { encoder.value = value }
    }
}

/// The unkeyed and single-value containers take one value at a time alike: their `encode`
/// overloads are these, over each container's own `put`.
private protocol ValuePutting {
    var encoder: TreeEncoder { get }
    func put(_ value: BinarySnapshotEncoder.Value)
}

extension ValuePutting {
    mutating func encodeNil() throws { put(.null) }
    mutating func encode(_ value: Bool) throws { put(.bool(value)) }
    mutating func encode(_ value: String) throws { put(.string(value)) }
    mutating func encode(_ value: Double) throws { put(.double(value)) }
    mutating func encode(_ value: Float) throws { put(.double(Double(value))) }
    mutating func encode(_ value: Int) throws { put(.int(Int64(value))) }
    mutating func encode(_ value: Int8) throws { put(.int(Int64(value))) }
    mutating func encode(_ value: Int16) throws { put(.int(Int64(value))) }
    mutating func encode(_ value: Int32) throws { put(.int(Int64(value))) }
    mutating func encode(_ value: Int64) throws { put(.int(value)) }
    mutating func encode(_ value: UInt) throws { put(.uint(UInt64(value))) }
    mutating func encode(_ value: UInt8) throws { put(.uint(UInt64(value))) }
    mutating func encode(_ value: UInt16) throws { put(.uint(UInt64(value))) }
    mutating func encode(_ value: UInt32) throws { put(.uint(UInt64(value))) }
    mutating func encode(_ value: UInt64) throws { put(.uint(value)) }
    mutating func encode<T: Encodable>(_ value: T) throws { put(try encoder.box(value)) }
}
