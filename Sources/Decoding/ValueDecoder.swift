import Payloads

/// Where a topic's schemas come from and how its values are read: the `--value-format`,
/// `--schema`, `--registry-export`, `--proto-desc` and `--proto-message` flags, resolved.
public struct DecoderOptions: Sendable {
    public var format: ValueFormat
    /// Ids → schemas from the capture's `_schemas` topic or a `--registry-export`.
    public var registry: SchemaRegistry
    /// `--schema` files: they win over the registry. A file named `<id>.avsc` serves that id;
    /// others serve any id (and unframed values), tried in order until one decodes exactly.
    public var avroSchemas: [(id: Int32?, schema: AvroSchema)]
    public var protobuf: ProtobufSchemaSet?
    /// Full name of the message unframed Protobuf values hold (and framed ones, index [0]).
    public var protoMessage: String?
    /// Splice valid JSON in as JSON (values); keys stay strings unless decoded from a schema.
    public var embedJSON: Bool

    public init(format: ValueFormat = .auto, registry: SchemaRegistry = SchemaRegistry(), avroSchemas: [(id: Int32?, schema: AvroSchema)] = [],
                protobuf: ProtobufSchemaSet? = nil, protoMessage: String? = nil, embedJSON: Bool = true) {
        self.format = format
        self.registry = registry
        self.avroSchemas = avroSchemas
        self.protobuf = protobuf
        self.protoMessage = protoMessage
        self.embedJSON = embedJSON
    }
}

/// Turns a value's bytes into JSON text per its topic's `DecoderOptions`: Avro through the
/// registry, Protobuf with or without a descriptor set, JSON spliced as is, text as a string, and
/// anything it cannot read as {"base64": …} with a note saying why. Never throws: a value it cannot
/// decode is shown raw, so one bad record never hides the rest of a topic.
public struct ValueDecoder: Sendable {
    public let options: DecoderOptions
    private let protoRoot: ProtobufSchemaSet.MessageID?

    public init(_ options: DecoderOptions) throws {
        self.options = options
        if let name = options.protoMessage {
            guard let set = options.protobuf else { throw CodecError(.badSchema, "--proto-message needs --proto-desc") }
            guard let root = set.message(named: name) else {
                throw CodecError(.badSchema, "message '\(name)' is not in the descriptor set (it has: \(set.messageNames.prefix(8).joined(separator: ", ")))")
            }
            protoRoot = root
        } else {
            protoRoot = nil
        }
    }

    /// Plain JSON passthrough: values with this decoder never need a decode step before a fold.
    public static let json = try! ValueDecoder(DecoderOptions(format: .auto))

    /// False when every value comes out as its own bytes (JSON or text), so folds can read them
    /// in place; true when some values may be Avro, Protobuf or hex.
    public var mayTransform: Bool {
        switch options.format {
        case .json, .string: return false
        case .avro, .protobuf, .hex: return true
        case .auto: return !options.registry.isEmpty || !options.avroSchemas.isEmpty || protoRoot != nil
        }
    }

    /// Appends the value as one JSON value (one line) to `out`.
    @discardableResult
    public func appendJSON(_ bytes: UnsafeRawBufferPointer?, to out: inout [UInt8]) -> DecodedValue {
        guard let bytes else {
            JSONOutput.appendLiteral("null", to: &out)
            return DecodedValue(kind: .null)
        }
        switch options.format {
        case .auto: return auto(bytes, to: &out)
        case .json:
            if JSONScanner.isValid(bytes) { return raw(bytes, embedJSON: true, to: &out) }
            return raw(bytes, embedJSON: false, note: "not JSON", to: &out)
        case .string:
            if JSONText.isValidUTF8(bytes) { return raw(bytes, embedJSON: false, to: &out) }
            return raw(bytes, embedJSON: false, note: "not UTF-8", to: &out)
        case .hex:
            out.append(UInt8(ascii: "\""))
            JSONOutput.appendHex(bytes, to: &out)
            out.append(UInt8(ascii: "\""))
            return DecodedValue(kind: .hex)
        case .avro: return avro(bytes, to: &out) ?? raw(bytes, embedJSON: false, note: "no Avro schema for this value (give --schema or --registry-export)", to: &out)
        case .protobuf: return protobuf(bytes, frame: ConfluentFrame.parse(bytes), to: &out)
        }
    }

    /// The decoded JSON of a value whose JSON is not its own bytes, into `scratch` (cleared
    /// first); false when the value's own bytes are what a fold should read.
    public func transform(_ bytes: UnsafeRawBufferPointer?, scratch: inout [UInt8]) -> Bool {
        guard mayTransform, let bytes else { return false }
        // JSON and text never start with byte 0, which every framed value does: the fold of a
        // JSON topic with a registry loaded stays on its fast path.
        if options.format == .auto, bytes.first != 0, options.avroSchemas.isEmpty, protoRoot == nil { return false }
        scratch.removeAll(keepingCapacity: true)
        return appendJSON(bytes, to: &scratch).isTransformed
    }

    // MARK: Formats

    private func auto(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) -> DecodedValue {
        if let frame = ConfluentFrame.parse(bytes) {
            if let decoded = framed(bytes, frame, to: &out) { return decoded }
        }
        if JSONScanner.isValid(bytes) { return raw(bytes, embedJSON: options.embedJSON, to: &out) }
        if !options.avroSchemas.isEmpty, let decoded = unframedAvro(bytes, to: &out) { return decoded }
        if let protoRoot, let set = options.protobuf, let decoded = try? schemaProtobuf(bytes, set: set, message: protoRoot, id: nil, to: &out) {
            return decoded
        }
        return raw(bytes, embedJSON: false, to: &out)
    }

    /// A value with a Confluent header; nil when nothing claims its schema id (auto mode then
    /// falls back to JSON/text/base64 detection, with a note when the id looked real).
    private func framed(_ bytes: UnsafeRawBufferPointer, _ frame: ConfluentFrame, to out: inout [UInt8]) -> DecodedValue? {
        let payload = UnsafeRawBufferPointer(rebasing: bytes[frame.payloadStart...])
        if let decoded = forcedAvro(payload, id: frame.schemaID, to: &out) { return decoded }
        guard let registered = options.registry[frame.schemaID] else {
            if protoRoot != nil { return protobuf(bytes, frame: frame, to: &out) }
            return raw(bytes, embedJSON: false, note: "schema id \(frame.schemaID) is not in the registry", id: frame.schemaID, to: &out)
        }
        switch registered.body {
        case let .avro(schema):
            do {
                try AvroDecoder.decode(payload, schema: schema, into: &out)
                return DecodedValue(kind: .avro, schemaID: frame.schemaID, schemaLabel: registered.label)
            } catch {
                return raw(bytes, embedJSON: false, note: "does not decode with schema \(registered.label): \(error)", id: frame.schemaID, to: &out)
            }
        case .protobuf: return protobuf(bytes, frame: frame, label: registered.label, to: &out)
        case .json:
            guard JSONScanner.isValid(payload) else {
                return raw(bytes, embedJSON: false, note: "schema \(registered.label): the payload is not JSON", id: frame.schemaID, to: &out)
            }
            JSONText.appendBytes(payload, embedJSON: true, to: &out)
            return DecodedValue(kind: .framedJSON, schemaID: frame.schemaID, schemaLabel: registered.label)
        case let .unusable(reason): return raw(bytes, embedJSON: false, note: "schema \(registered.label): \(reason)", id: frame.schemaID, to: &out)
        }
    }

    private func avro(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) -> DecodedValue? {
        if let frame = ConfluentFrame.parse(bytes), let decoded = framed(bytes, frame, to: &out) { return decoded }
        return unframedAvro(bytes, to: &out)
    }

    /// `--schema` files for a framed payload: the one named for the id, else the unnamed ones.
    private func forcedAvro(_ payload: UnsafeRawBufferPointer, id: Int32, to out: inout [UInt8]) -> DecodedValue? {
        guard !options.avroSchemas.isEmpty else { return nil }
        for candidate in options.avroSchemas where candidate.id == id || candidate.id == nil {
            if (try? AvroDecoder.decode(payload, schema: candidate.schema, into: &out)) != nil {
                return DecodedValue(kind: .avro, schemaID: id, schemaLabel: "\(candidate.schema.name) (id \(id), --schema)")
            }
        }
        return nil
    }

    private func unframedAvro(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) -> DecodedValue? {
        for candidate in options.avroSchemas where candidate.id == nil {
            if (try? AvroDecoder.decode(bytes, schema: candidate.schema, into: &out)) != nil {
                return DecodedValue(kind: .avro, schemaLabel: "\(candidate.schema.name) (--schema)")
            }
        }
        return nil
    }

    private func protobuf(_ bytes: UnsafeRawBufferPointer, frame: ConfluentFrame?, label: String? = nil, to out: inout [UInt8]) -> DecodedValue {
        var payload = bytes
        var path = [0]
        if let frame {
            do {
                let (indexes, start) = try ConfluentFrame.messageIndexes(bytes, from: frame.payloadStart)
                path = indexes
                payload = UnsafeRawBufferPointer(rebasing: bytes[start...])
            } catch {
                return raw(bytes, embedJSON: false, note: "Confluent protobuf frame: \(error)", id: frame.schemaID, to: &out)
            }
        }
        if let set = options.protobuf, let message = frame == nil ? protoRoot : set.message(path: path, near: protoRoot) {
            do {
                return try schemaProtobuf(payload, set: set, message: message, id: frame?.schemaID, to: &out)
            } catch {
                let note = "does not decode as \(set.name(of: message)): \(error)"
                if (try? ProtobufRawDecoder.decode(payload, into: &out)) != nil {
                    return DecodedValue(kind: .protobufRaw, schemaID: frame?.schemaID, schemaLabel: label, note: note)
                }
                return raw(bytes, embedJSON: false, note: note, id: frame?.schemaID, to: &out)
            }
        }
        do {
            try ProtobufRawDecoder.decode(payload, into: &out)
            return DecodedValue(kind: .protobufRaw, schemaID: frame?.schemaID, schemaLabel: label)
        } catch {
            return raw(bytes, embedJSON: false, note: "not a Protobuf message: \(error)", id: frame?.schemaID, to: &out)
        }
    }

    private func schemaProtobuf(_ payload: UnsafeRawBufferPointer, set: ProtobufSchemaSet, message: ProtobufSchemaSet.MessageID, id: Int32?,
                                to out: inout [UInt8]) throws -> DecodedValue {
        try ProtobufDecoder.decode(payload, message: message, in: set, into: &out)
        let name = set.name(of: message)
        return DecodedValue(kind: .protobuf, schemaID: id, schemaLabel: id.map { "\(name) (id \($0))" } ?? name)
    }

    private func raw(_ bytes: UnsafeRawBufferPointer, embedJSON: Bool, note: String? = nil, id: Int32? = nil, to out: inout [UInt8]) -> DecodedValue {
        // A leading NUL is a frame or binary, never text someone wrote: base64 reads better
        // than "\u0000\u0000…".
        if bytes.first == 0 {
            JSONOutput.appendBase64Object(bytes, to: &out)
            return DecodedValue(kind: .base64, schemaID: id, note: note)
        }
        let kind: DecodedValue.Kind
        if embedJSON, !bytes.isEmpty, JSONScanner.isValid(bytes) {
            kind = .json
        } else {
            kind = JSONText.isValidUTF8(bytes) ? .string : .base64
        }
        JSONText.appendBytes(bytes, embedJSON: embedJSON, to: &out)
        return DecodedValue(kind: kind, schemaID: id, note: note)
    }
}
