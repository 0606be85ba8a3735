import Decoding
import Payloads
import SwiftProtobuf

// Avro, Protobuf, Confluent framing and the schema parsers against hostile bytes: each must end
// in a value or a CodecError — no crash, no hang, no allocation past what the input justifies.

/// Avro schemas that reach every decoder path: the testdata's Payment (enum, union, array, map,
/// fixed, boolean), logical types, a recursive list, and zero-byte items (block-count limits).
let fuzzAvroSchemas: [AvroSchema] = [
    #"{"type":"record","name":"Payment","namespace":"bank","fields":[{"name":"type","type":{"type":"enum","name":"Kind","symbols":["DEPOSIT","WITHDRAWAL"]}},{"name":"account","type":"string"},{"name":"amount","type":"long"},{"name":"note","type":["null","string"]},{"name":"tags","type":{"type":"array","items":"string"}},{"name":"fx","type":{"type":"map","values":"double"}},{"name":"ref","type":{"type":"fixed","name":"Ref","size":4}},{"name":"flagged","type":"boolean"}]}"#,
    #"{"type":"record","name":"L","fields":[{"name":"d","type":{"type":"bytes","logicalType":"decimal","precision":40,"scale":3}},{"name":"t","type":{"type":"long","logicalType":"timestamp-micros"}},{"name":"day","type":{"type":"int","logicalType":"date"}},{"name":"tm","type":{"type":"int","logicalType":"time-millis"}},{"name":"f","type":"float"},{"name":"u","type":{"type":"fixed","name":"U","size":16,"logicalType":"uuid"}},{"name":"dur","type":{"type":"fixed","name":"D","size":12,"logicalType":"duration"}}]}"#,
    #"{"type":"record","name":"Node","fields":[{"name":"v","type":"int"},{"name":"next","type":["null","Node"]}]}"#,
    #"{"type":"array","items":{"type":"map","values":{"type":"array","items":"null"}}}"#,
].map { try! AvroSchemaParser.parse($0) }

/// shop.Order-like descriptor built in code (no file needed): scalars of every wire type,
/// nested and repeated messages, packed numbers, an enum and a map.
let fuzzProtobufSet: ProtobufSchemaSet = {
    typealias Field = Google_Protobuf_FieldDescriptorProto
    func field(_ name: String, _ number: Int32, _ type: Field.TypeEnum, repeated: Bool = false, typeName: String = "") -> Field {
        var field = Field()
        field.name = name
        field.number = number
        field.type = type
        field.label = repeated ? .repeated : .optional
        field.typeName = typeName
        return field
    }
    var entry = Google_Protobuf_DescriptorProto()
    entry.name = "CountsEntry"
    entry.field = [field("key", 1, .string), field("value", 2, .int64)]
    entry.options.mapEntry = true
    var order = Google_Protobuf_DescriptorProto()
    order.name = "Order"
    order.nestedType = [entry]
    order.field = [field("id", 1, .string), field("child", 2, .message, typeName: ".fuzz.Order"), field("q", 3, .sint32, repeated: true),
                   field("status", 4, .enum, typeName: ".fuzz.Status"), field("counts", 5, .message, repeated: true, typeName: ".fuzz.Order.CountsEntry"),
                   field("w", 6, .double), field("r", 7, .float, repeated: true), field("b", 8, .bytes), field("big", 9, .uint64), field("ok", 10, .bool)]
    var status = Google_Protobuf_EnumDescriptorProto()
    status.name = "Status"
    status.value = [0, 1].map { number in
        var value = Google_Protobuf_EnumValueDescriptorProto()
        value.name = number == 0 ? "UNKNOWN" : "PAID"
        value.number = Int32(number)
        return value
    }
    var file = Google_Protobuf_FileDescriptorProto()
    file.name = "fuzz.proto"
    file.package = "fuzz"
    file.messageType = [order]
    file.enumType = [status]
    var set = Google_Protobuf_FileDescriptorSet()
    set.file = [file]
    return try! ProtobufSchemaSet(descriptorSet: try! set.serializedBytes())
}()

let fuzzDecoder: ValueDecoder = {
    var registry = SchemaRegistry()
    for (index, schema) in fuzzAvroSchemas.enumerated() {
        registry.register(RegisteredSchema(id: Int32(index + 1), subject: "s", version: 1, deleted: false, body: .avro(schema)))
    }
    registry.register(RegisteredSchema(id: 9, subject: "p", version: 1, deleted: false, body: .protobuf(source: "")))
    return try! ValueDecoder(DecoderOptions(format: .auto, registry: registry, protobuf: fuzzProtobufSet, protoMessage: "fuzz.Order"))
}()

func fuzzValueDecoder(_ selector: UInt8, _ input: UnsafeRawBufferPointer) {
    var out: [UInt8] = []
    switch selector % 6 {
    case 0, 1:
        // The next byte picks the schema.
        guard let first = input.first else { return }
        let schema = fuzzAvroSchemas[Int(first) % fuzzAvroSchemas.count]
        try? AvroDecoder.decode(UnsafeRawBufferPointer(rebasing: input.dropFirst()), schema: schema, into: &out)
    case 2: try? ProtobufRawDecoder.decode(input, into: &out)
    case 3: try? ProtobufDecoder.decode(input, message: fuzzProtobufSet.message(named: "fuzz.Order")!, in: fuzzProtobufSet, into: &out)
    case 4:
        // Confluent framing through the whole value decoder: registry ids 1–4 Avro, 9 Protobuf.
        fuzzDecoder.appendJSON(input, to: &out)
        precondition(out.withUnsafeBytes { JSONScanner.isValid($0) }, "the value decoder wrote invalid JSON")
    default:
        // Schema texts and registry exports.
        _ = try? AvroSchemaParser.parse(String(decoding: input, as: UTF8.self))
        _ = try? SchemaRegistry.fromExport(Array(input), name: "fuzz")
    }
    precondition(out.count <= 64 * input.count + (1 << 20), "decoded output far past what the input justifies")
}
