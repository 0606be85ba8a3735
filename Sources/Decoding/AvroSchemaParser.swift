/// Avro schema JSON → `AvroSchema` (Avro 1.11 specification, "Schema Declaration"): primitives by
/// name or as {"type": …}; record, enum, array, map, fixed objects; unions as arrays; named types
/// with namespaces (inherited from the enclosing name, overridden by a dotted name or `namespace`)
/// referenced by full or short name once declared, recursion included; logical types decimal (on
/// bytes and fixed), uuid, date, time-millis/micros, timestamp-millis/micros,
/// local-timestamp-millis/micros and duration; any other logical type is ignored as the spec says.
public enum AvroSchemaParser {
    public static func parse(_ text: String) throws -> AvroSchema {
        guard text.utf8.count <= CodecLimits.schemaBytesMax else {
            throw CodecError(.limitExceeded, "Avro schema of \(text.utf8.count) bytes is past the \(CodecLimits.schemaBytesMax)-byte limit")
        }
        guard let json = JSONValue.parse(text) else { throw CodecError(.badSchema, "Avro schema is not valid JSON") }
        var builder = Builder()
        let root = try builder.parse(json, namespace: nil)
        builder.computeMinBytes()
        let name: String
        switch json {
        case let .string(primitive): name = builder.fullName(of: root) ?? primitive
        default: name = builder.fullName(of: root) ?? (json["type"]?.stringValue ?? (json.isArray ? "union" : "schema"))
        }
        return AvroSchema(nodes: builder.nodes, fields: builder.fields, branches: builder.branches, symbols: builder.symbols,
                          text: builder.text, root: root, name: name, source: text)
    }

    private struct Builder {
        var nodes: [AvroSchema.Node] = []
        var fields: [AvroSchema.Field] = []
        var branches: [Int] = []
        var symbols: [Range<Int>] = []
        var text: [UInt8] = []
        var named: [String: Int] = [:]
        var names: [Int: String] = [:]

        func fullName(of node: Int) -> String? { names[node] }

        mutating func add(_ node: AvroSchema.Node) throws -> Int {
            guard nodes.count < CodecLimits.schemaNodesMax else {
                throw CodecError(.limitExceeded, "Avro schema has more than \(CodecLimits.schemaNodesMax) types")
            }
            nodes.append(node)
            return nodes.count - 1
        }

        mutating func parse(_ json: JSONValue, namespace: String?) throws -> Int {
            switch json {
            case let .string(name): return try reference(name, namespace: namespace)
            case let .array(options): return try union(options, namespace: namespace)
            case .object: return try complex(json, namespace: namespace)
            default: throw CodecError(.badSchema, "Avro schema: expected a type name, object or union, found \(json)")
            }
        }

        mutating func reference(_ name: String, namespace: String?) throws -> Int {
            if let kind = Self.primitive(name) { return try add(AvroSchema.Node(kind: kind)) }
            if let namespace, !name.contains("."), let index = named[namespace + "." + name] { return index }
            if let index = named[name] { return index }
            throw CodecError(.badSchema, "Avro schema: unknown type '\(name)'")
        }

        static func primitive(_ name: String) -> AvroSchema.Kind? {
            switch name {
            case "null": return .null
            case "boolean": return .boolean
            case "int": return .int
            case "long": return .long
            case "float": return .float
            case "double": return .double
            case "bytes": return .bytes
            case "string": return .string
            default: return nil
            }
        }

        mutating func union(_ options: [JSONValue], namespace: String?) throws -> Int {
            guard !options.isEmpty else { throw CodecError(.badSchema, "Avro schema: a union needs at least one branch") }
            let index = try add(AvroSchema.Node(kind: .union))
            var children: [Int] = []
            for option in options {
                if case .array = option { throw CodecError(.badSchema, "Avro schema: unions may not contain unions") }
                children.append(try parse(option, namespace: namespace))
            }
            nodes[index].first = branches.count
            nodes[index].count = children.count
            branches.append(contentsOf: children)
            return index
        }

        mutating func complex(_ json: JSONValue, namespace: String?) throws -> Int {
            guard let type = json["type"] else { throw CodecError(.badSchema, "Avro schema: an object without \"type\"") }
            guard case let .string(typeName) = type else {
                // {"type": {"type": "array", …}}: a nested definition.
                return try parse(type, namespace: namespace)
            }
            switch typeName {
            case "record", "error": return try record(json, namespace: namespace)
            case "enum": return try enumeration(json, namespace: namespace)
            case "fixed": return try fixed(json, namespace: namespace)
            case "array":
                guard let items = json["items"] else { throw CodecError(.badSchema, "Avro schema: array without \"items\"") }
                let index = try add(AvroSchema.Node(kind: .array))
                nodes[index].first = try parse(items, namespace: namespace)
                return index
            case "map":
                guard let values = json["values"] else { throw CodecError(.badSchema, "Avro schema: map without \"values\"") }
                let index = try add(AvroSchema.Node(kind: .map))
                nodes[index].first = try parse(values, namespace: namespace)
                return index
            default:
                guard let kind = Self.primitive(typeName) else { return try reference(typeName, namespace: namespace) }
                var node = AvroSchema.Node(kind: kind)
                applyLogical(json, to: &node)
                return try add(node)
            }
        }

        /// Declares a named type before its body is parsed, so the body may refer to it.
        mutating func declare(_ json: JSONValue, namespace: String?, node: AvroSchema.Node) throws -> (index: Int, namespace: String?) {
            guard let name = json["name"]?.stringValue, !name.isEmpty else { throw CodecError(.badSchema, "Avro schema: a named type without \"name\"") }
            let full: String
            if name.contains(".") {
                full = name
            } else if let space = json["namespace"]?.stringValue {
                full = space.isEmpty ? name : space + "." + name
            } else {
                full = namespace.map { $0 + "." + name } ?? name
            }
            guard named[full] == nil else { throw CodecError(.badSchema, "Avro schema: '\(full)' is defined twice") }
            let index = try add(node)
            named[full] = index
            names[index] = full
            let lastDot = full.lastIndex(of: ".")
            return (index, lastDot.map { String(full[..<$0]) })
        }

        mutating func record(_ json: JSONValue, namespace: String?) throws -> Int {
            let (index, inner) = try declare(json, namespace: namespace, node: AvroSchema.Node(kind: .record))
            guard case let .array(fieldList)? = json["fields"] else { throw CodecError(.badSchema, "Avro schema: record without \"fields\" array") }
            var parsed: [AvroSchema.Field] = []
            for field in fieldList {
                guard let name = field["name"]?.stringValue, let type = field["type"] else {
                    throw CodecError(.badSchema, "Avro schema: a field of \(names[index] ?? "a record") needs \"name\" and \"type\"")
                }
                let start = text.count
                JSONOutput.appendString(name, to: &text)
                text.append(UInt8(ascii: ":"))
                parsed.append(AvroSchema.Field(key: start..<text.count, type: try parse(type, namespace: inner)))
            }
            nodes[index].first = fields.count
            nodes[index].count = parsed.count
            fields.append(contentsOf: parsed)
            return index
        }

        mutating func enumeration(_ json: JSONValue, namespace: String?) throws -> Int {
            let (index, _) = try declare(json, namespace: namespace, node: AvroSchema.Node(kind: .enumeration))
            guard case let .array(list)? = json["symbols"] else { throw CodecError(.badSchema, "Avro schema: enum without \"symbols\"") }
            nodes[index].first = symbols.count
            for symbol in list {
                guard let name = symbol.stringValue else { throw CodecError(.badSchema, "Avro schema: enum symbols must be strings") }
                let start = text.count
                JSONOutput.appendString(name, to: &text)
                symbols.append(start..<text.count)
            }
            nodes[index].count = list.count
            return index
        }

        mutating func fixed(_ json: JSONValue, namespace: String?) throws -> Int {
            guard let size = json["size"]?.intValue, size >= 0, size <= CodecLimits.schemaBytesMax else {
                throw CodecError(.badSchema, "Avro schema: fixed needs a non-negative \"size\"")
            }
            var node = AvroSchema.Node(kind: .fixed, count: size)
            applyLogical(json, to: &node)
            let (index, _) = try declare(json, namespace: namespace, node: node)
            return index
        }

        /// Sets the node's logical type when it is one we render and it fits the underlying type.
        func applyLogical(_ json: JSONValue, to node: inout AvroSchema.Node) {
            guard let logical = json["logicalType"]?.stringValue else { return }
            switch (logical, node.kind) {
            case ("decimal", .bytes), ("decimal", .fixed):
                let scale = json["scale"]?.intValue ?? 0
                guard let precision = json["precision"]?.intValue, precision > 0, scale >= 0, scale <= precision else { return }
                node.logical = .decimal
                node.scale = scale
            case ("uuid", .string), ("uuid", .fixed): node.logical = .uuid
            case ("date", .int): node.logical = .date
            case ("time-millis", .int): node.logical = .timeMillis
            case ("time-micros", .long): node.logical = .timeMicros
            case ("timestamp-millis", .long): node.logical = .timestampMillis
            case ("timestamp-micros", .long): node.logical = .timestampMicros
            case ("local-timestamp-millis", .long): node.logical = .localTimestampMillis
            case ("local-timestamp-micros", .long): node.logical = .localTimestampMicros
            case ("duration", .fixed) where node.count == 12: node.logical = .duration
            default: return
            }
        }

        /// Fewest encoded bytes per node. Cycles (recursive records) count as 0 while being
        /// computed: an underestimate only makes block-count checks stricter, never unsafe.
        mutating func computeMinBytes() {
            var state = [UInt8](repeating: 0, count: nodes.count) // 0 new, 1 visiting, 2 done
            for index in nodes.indices { _ = minBytes(index, &state) }
        }

        private mutating func minBytes(_ index: Int, _ state: inout [UInt8]) -> Int {
            if state[index] == 2 { return nodes[index].minBytes }
            if state[index] == 1 { return 0 }
            state[index] = 1
            let node = nodes[index]
            var result: Int
            switch node.kind {
            case .null: result = 0
            case .boolean, .int, .long, .bytes, .string, .enumeration, .array, .map: result = 1
            case .float: result = 4
            case .double: result = 8
            case .fixed: result = node.count
            case .union:
                var smallest = Int.max
                for branch in branches[node.first..<(node.first + node.count)] { smallest = min(smallest, minBytes(branch, &state)) }
                result = 1 + (smallest == Int.max ? 0 : smallest)
            case .record:
                result = 0
                for field in fields[node.first..<(node.first + node.count)] { result = min(result + minBytes(field.type, &state), 1 << 40) }
            }
            nodes[index].minBytes = result
            state[index] = 2
            return result
        }
    }
}

private extension JSONValue {
    var isArray: Bool {
        if case .array = self { return true }
        return false
    }
}
