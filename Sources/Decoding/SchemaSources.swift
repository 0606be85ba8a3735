import Basics

/// Reads the schema files the command line names: `--schema FILE.avsc|DIR`, `--registry-export
/// FILE`, `--proto-desc FILE`. Each is bounded by `CodecLimits.schemaBytesMax`, and every error
/// names the file.
public enum SchemaSources {
    public static func readFile(_ path: String) throws -> [UInt8] {
        do {
            let file = try SystemFile(path: path, mode: .readOnly)
            defer { file.close() }
            let size = try file.size()
            guard size <= Int64(CodecLimits.schemaBytesMax) else {
                throw CodecError(.limitExceeded, "\(path): \(size) bytes is past the \(CodecLimits.schemaBytesMax)-byte limit for schema files")
            }
            return try file.readAll(limit: CodecLimits.schemaBytesMax)
        } catch let error as CodecError {
            throw error
        } catch {
            throw CodecError(.io, "\(path): \(error)")
        }
    }

    /// `--schema`: one .avsc file, or every .avsc in a directory (sorted by name). A file named
    /// `<id>.avsc` serves that schema id only.
    public static func avroSchemas(_ path: String) throws -> [(id: Int32?, schema: AvroSchema)] {
        var files: [String] = []
        if FileSystem.isDirectory(path) {
            files = try FileSystem.listDirectory(path).filter { $0.hasSuffix(".avsc") }.sorted().map { path + "/" + $0 }
            guard !files.isEmpty else { throw CodecError(.io, "\(path): no .avsc files") }
        } else {
            files = [path]
        }
        return try files.map { file in
            let bytes = try readFile(file)
            let schema: AvroSchema
            do { schema = try AvroSchemaParser.parse(String(decoding: bytes, as: UTF8.self)) } catch let error as CodecError {
                throw CodecError(error.code, "\(file): \(error.message)")
            }
            let stem = file.split(separator: "/").last.map { String($0.dropLast(5)) } ?? ""
            return (Int32(stem), schema)
        }
    }

    public static func registryExport(_ path: String) throws -> SchemaRegistry {
        try SchemaRegistry.fromExport(try readFile(path), name: path)
    }

    public static func descriptorSet(_ path: String) throws -> ProtobufSchemaSet {
        do { return try ProtobufSchemaSet(descriptorSet: try readFile(path)) } catch let error as CodecError {
            throw error.code == .io ? error : CodecError(error.code, "\(path): \(error.message)")
        }
    }
}
