import ArgumentParser
import Decoding
import EventLog
import Interop

extension ValueFormat: ExpressibleByArgument {}

/// The decoding flags of every command that reads values: formats, schema sources and `--raw`.
struct DecodeOptions: ParsableArguments {
    @Option(help: "How values are read: auto, json, avro, protobuf, string, hex.") var valueFormat: ValueFormat = .auto
    @Option(help: "How keys are read: auto, json, avro, protobuf, string, hex.") var keyFormat: ValueFormat = .auto
    @Option(help: "Avro schema file (.avsc) or a directory of them; wins over the registry.") var schema: [String] = []
    @Option(help: "Schema registry export: JSON of schema id → schema.") var registryExport: String?
    @Option(help: "Protobuf descriptor set (protoc -o FILE.desc --include_imports).") var protoDesc: String?
    @Option(help: "Full name of the Protobuf message values hold (with --proto-desc).") var protoMessage: String?
    @Flag(help: "Print values and keys as stored (JSON, text or base64), without decoding.") var raw = false

    /// The topic's decoders; nil with --raw. Schemas come from --schema, then the log's
    /// `_schemas` topic, then --registry-export (ids in several sources: the first wins).
    func decoders(for log: LogSource) throws -> TopicDecoders? {
        if raw { return nil }
        do {
            var registry = SchemaRegistry()
            if let export = registryExport { registry = try SchemaSources.registryExport(export) }
            if let captured = try SchemasTopic.registry(in: log) {
                for id in captured.ids { registry.register(captured[id]!) }
            }
            let avro = try schema.flatMap { try SchemaSources.avroSchemas($0) }
            let protobuf = try protoDesc.map { try SchemaSources.descriptorSet($0) }
            func options(_ format: ValueFormat, embedJSON: Bool) -> DecoderOptions {
                DecoderOptions(format: format, registry: registry, avroSchemas: avro, protobuf: protobuf, protoMessage: protoMessage, embedJSON: embedJSON)
            }
            // Keys get the registry (framed keys decode) but not --schema/--proto-message, which
            // describe values.
            var keyOptions = options(keyFormat, embedJSON: false)
            keyOptions.avroSchemas = []
            keyOptions.protoMessage = nil
            let decoders = TopicDecoders(key: try ValueDecoder(keyOptions), value: try ValueDecoder(options(valueFormat, embedJSON: true)))
            // Nothing to decode (no schemas anywhere, default formats): nil keeps the plain path,
            // which validates each JSON value once instead of once per decision.
            if keyFormat == .auto, valueFormat == .auto, !decoders.key.mayTransform, !decoders.value.mayTransform { return nil }
            return decoders
        } catch let error as CodecError {
            throw CommandFailure(message: error.description)
        }
    }
}
