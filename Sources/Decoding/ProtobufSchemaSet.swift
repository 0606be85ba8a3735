import SwiftProtobuf

/// The messages and enums of a Protobuf descriptor set (`protoc -o FILE.desc --include_imports`),
/// parsed with swift-protobuf's descriptor types and flattened for decoding: messages and enums in
/// arrays, field types resolved to indexes, field names pre-encoded as `"name":`.
public struct ProtobufSchemaSet: Sendable {
    public typealias MessageID = Int

    enum FieldType: UInt8, Sendable {
        case double, float, int64, uint64, int32, fixed64, fixed32, bool, string, group, message, bytes, uint32, enumeration, sfixed32, sfixed64, sint32, sint64
    }

    struct Field: Sendable {
        var key: [UInt8]
        var name: String
        var number: Int32
        var type: FieldType
        var repeated: Bool
        /// message fields: the message; enum fields: the enum.
        var target: Int
    }

    struct Message: Sendable {
        var fullName: String
        var fields: [Field]
        var byNumber: [Int32: Int]
        var isMapEntry: Bool
        var nested: [MessageID]
    }

    var messages: [Message] = []
    /// Per enum: value number → `"NAME"`.
    var enums: [[Int32: [UInt8]]] = []
    private var messageByName: [String: MessageID] = [:]
    /// Top-level messages of each file, in file order (Confluent message indexes start here).
    private var fileMessages: [[MessageID]] = []

    public var messageNames: [String] { messages.map(\.fullName) }

    public init(descriptorSet bytes: [UInt8]) throws {
        guard bytes.count <= CodecLimits.schemaBytesMax else { throw CodecError(.limitExceeded, "descriptor set of \(bytes.count) bytes") }
        let set: Google_Protobuf_FileDescriptorSet
        do { set = try Google_Protobuf_FileDescriptorSet(serializedBytes: bytes) } catch {
            throw CodecError(.badSchema, "not a FileDescriptorSet (make one with protoc -o FILE.desc --include_imports): \(error)")
        }
        var enumByName: [String: Int] = [:]
        var pending: [(MessageID, Google_Protobuf_DescriptorProto, String)] = []
        // Pass 1: name every message and enum, so fields can refer to types declared later.
        func declare(_ message: Google_Protobuf_DescriptorProto, scope: String) -> MessageID {
            let fullName = scope.isEmpty ? message.name : scope + "." + message.name
            let id = messages.count
            messages.append(Message(fullName: fullName, fields: [], byNumber: [:], isMapEntry: message.options.mapEntry, nested: []))
            messageByName[fullName] = id
            pending.append((id, message, fullName))
            for nested in message.enumType { enumByName[fullName + "." + nested.name] = declareEnum(nested) }
            messages[id].nested = message.nestedType.map { declare($0, scope: fullName) }
            return id
        }
        func declareEnum(_ proto: Google_Protobuf_EnumDescriptorProto) -> Int {
            var values: [Int32: [UInt8]] = [:]
            for value in proto.value where values[value.number] == nil {
                var key: [UInt8] = []
                JSONOutput.appendString(value.name, to: &key)
                values[value.number] = key
            }
            enums.append(values)
            return enums.count - 1
        }
        for file in set.file {
            for proto in file.enumType { enumByName[file.package.isEmpty ? proto.name : file.package + "." + proto.name] = declareEnum(proto) }
            fileMessages.append(file.messageType.map { declare($0, scope: file.package) })
        }
        // Pass 2: fields, with type names (".pkg.Msg") resolved.
        for (id, proto, fullName) in pending {
            var fields: [Field] = []
            for field in proto.field {
                guard let raw = UInt8(exactly: field.type.rawValue - 1), let type = FieldType(rawValue: raw) else {
                    throw CodecError(.badSchema, "\(fullName).\(field.name): unknown field type \(field.type.rawValue)")
                }
                var target = 0
                let typeName = field.typeName.hasPrefix(".") ? String(field.typeName.dropFirst()) : field.typeName
                if type == .message || type == .group {
                    guard let message = messageByName[typeName] else { throw CodecError(.badSchema, "\(fullName).\(field.name): unknown message \(field.typeName)") }
                    target = message
                } else if type == .enumeration {
                    guard let found = enumByName[typeName] else { throw CodecError(.badSchema, "\(fullName).\(field.name): unknown enum \(field.typeName)") }
                    target = found
                }
                var key: [UInt8] = []
                JSONOutput.appendString(field.name, to: &key)
                key.append(UInt8(ascii: ":"))
                fields.append(Field(key: key, name: field.name, number: field.number, type: type, repeated: field.label == .repeated, target: target))
            }
            messages[id].fields = fields
            for (index, field) in fields.enumerated() { messages[id].byNumber[field.number] = index }
        }
    }

    public func message(named name: String) -> MessageID? {
        messageByName[name.hasPrefix(".") ? String(name.dropFirst()) : name]
    }

    public func name(of message: MessageID) -> String { messages[message].fullName }

    /// The message a Confluent index path names: top-level message `path[0]` of the file that
    /// declares `near` (the `--proto-message`), else of the last file (the one protoc was given;
    /// `--include_imports` lists dependencies first), then nested types by the rest of the path.
    public func message(path: [Int], near: MessageID?) -> MessageID? {
        if path == [0], let near { return near }
        let file = near.flatMap { id in fileMessages.firstIndex { $0.contains(id) || containsNested($0, id) } } ?? (fileMessages.count - 1)
        guard fileMessages.indices.contains(file), let first = path.first, fileMessages[file].indices.contains(first) else { return nil }
        var current = fileMessages[file][first]
        for index in path.dropFirst() {
            guard messages[current].nested.indices.contains(index) else { return nil }
            current = messages[current].nested[index]
        }
        return current
    }

    private func containsNested(_ roots: [MessageID], _ id: MessageID) -> Bool {
        var stack = roots
        var visited = 0
        while let next = stack.popLast(), visited < messages.count {
            visited += 1
            if next == id { return true }
            stack.append(contentsOf: messages[next].nested)
        }
        return false
    }
}
