import Decoding
import Payloads
import TestSupport
import XCTest

/// Random schemas and values, encoded by a small reference encoder written from the spec (with
/// arrays and maps split into random blocks, some with negative counts), must decode to the value;
/// random bytes against the same schemas must never crash.
final class AvroPropertyTests: XCTestCase {
    indirect enum Schema {
        case null, boolean, int, long, double, string, bytes
        case enumeration(name: String, symbols: [String])
        case fixed(name: String, size: Int)
        case array(Schema)
        case map(Schema)
        case union([Schema])
        case record(name: String, fields: [(String, Schema)])

        var json: String {
            switch self {
            case .null: return "\"null\""
            case .boolean: return "\"boolean\""
            case .int: return "\"int\""
            case .long: return "\"long\""
            case .double: return "\"double\""
            case .string: return "\"string\""
            case .bytes: return "\"bytes\""
            case let .enumeration(name, symbols): return "{\"type\":\"enum\",\"name\":\"\(name)\",\"symbols\":[\(symbols.map { "\"\($0)\"" }.joined(separator: ","))]}"
            case let .fixed(name, size): return "{\"type\":\"fixed\",\"name\":\"\(name)\",\"size\":\(size)}"
            case let .array(items): return "{\"type\":\"array\",\"items\":\(items.json)}"
            case let .map(values): return "{\"type\":\"map\",\"values\":\(values.json)}"
            case let .union(branches): return "[" + branches.map(\.json).joined(separator: ",") + "]"
            case let .record(name, fields):
                return "{\"type\":\"record\",\"name\":\"\(name)\",\"fields\":[" + fields.map { "{\"name\":\"\($0.0)\",\"type\":\($0.1.json)}" }.joined(separator: ",") + "]}"
            }
        }
    }

    struct Generator {
        var random: SeededRandom
        var names = 0

        mutating func name(_ prefix: String) -> String {
            names += 1
            return "\(prefix)\(names)"
        }

        mutating func schema(depth: Int) -> Schema {
            let leaf = depth >= 3 || Int.random(in: 0..<3, using: &random) == 0
            if leaf {
                switch Int.random(in: 0..<9, using: &random) {
                case 0: return .null
                case 1: return .boolean
                case 2: return .int
                case 3: return .long
                case 4: return .double
                case 5: return .string
                case 6: return .bytes
                case 7: return .enumeration(name: name("E"), symbols: (0..<Int.random(in: 1...4, using: &random)).map { "S\($0)" })
                default: return .fixed(name: name("F"), size: Int.random(in: 0...5, using: &random))
                }
            }
            switch Int.random(in: 0..<4, using: &random) {
            case 0: return .array(schema(depth: depth + 1))
            case 1: return .map(schema(depth: depth + 1))
            case 2:
                // Branches of distinct kinds, none a union (the spec's rule).
                let kinds: [Schema] = [.null, .long, .string, .record(name: name("U"), fields: [("x", .int)])]
                return .union(Array(kinds.shuffled(using: &random).prefix(Int.random(in: 1...4, using: &random))))
            default:
                return .record(name: name("R"), fields: (0..<Int.random(in: 0...4, using: &random)).map { ("f\($0)", schema(depth: depth + 1)) })
            }
        }

        /// A random value of `schema`: its encoding and its expected JSON.
        mutating func value(_ schema: Schema, into bytes: inout [UInt8]) -> JSONValue {
            switch schema {
            case .null: return .null
            case .boolean:
                let flag = Bool.random(using: &random)
                bytes.append(flag ? 1 : 0)
                return .bool(flag)
            case .int:
                let number = Int64(Int32.random(in: .min ... .max, using: &random))
                encodeLong(number, &bytes)
                return .number(Double(number))
            case .long:
                // Doubles hold integers exactly up to 2^53: keep the expected value exact.
                let number = Int64.random(in: -(1 << 53) ... (1 << 53), using: &random)
                encodeLong(number, &bytes)
                return .number(Double(number))
            case .double:
                let number = Double.random(in: -1e6...1e6, using: &random)
                withUnsafeBytes(of: number.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
                return .number(number)
            case .string:
                let text = String((0..<Int.random(in: 0...8, using: &random)).map { _ in "aé\"\\\n🙂z ".randomElement(using: &random)! })
                encodeLong(Int64(text.utf8.count), &bytes)
                bytes.append(contentsOf: text.utf8)
                return .string(text)
            case .bytes:
                let data = random.bytes(Int.random(in: 0...6, using: &random))
                encodeLong(Int64(data.count), &bytes)
                bytes.append(contentsOf: data)
                return .object([("base64", .string(Base64.encode(data)))])
            case let .fixed(_, size):
                let data = random.bytes(size)
                bytes.append(contentsOf: data)
                return .object([("base64", .string(Base64.encode(data)))])
            case let .enumeration(_, symbols):
                let index = Int.random(in: 0..<symbols.count, using: &random)
                encodeLong(Int64(index), &bytes)
                return .string(symbols[index])
            case let .union(branches):
                let index = Int.random(in: 0..<branches.count, using: &random)
                encodeLong(Int64(index), &bytes)
                return value(branches[index], into: &bytes)
            case let .record(_, fields):
                return .object(fields.map { ($0.0, value($0.1, into: &bytes)) })
            case let .array(items):
                var elements: [JSONValue] = []
                var encoded: [[UInt8]] = []
                for _ in 0..<Int.random(in: 0...5, using: &random) {
                    var item: [UInt8] = []
                    elements.append(value(items, into: &item))
                    encoded.append(item)
                }
                encodeBlocks(encoded, &bytes)
                return .array(elements)
            case let .map(values):
                var members: [(String, JSONValue)] = []
                var encoded: [[UInt8]] = []
                for index in 0..<Int.random(in: 0...4, using: &random) {
                    var item: [UInt8] = []
                    let key = "k\(index)"
                    encodeLong(Int64(key.utf8.count), &item)
                    item.append(contentsOf: key.utf8)
                    members.append((key, value(values, into: &item)))
                    encoded.append(item)
                }
                encodeBlocks(encoded, &bytes)
                return .object(members)
            }
        }

        /// Items split into random blocks; a block's count is negative (with its byte size) half
        /// the time, as the spec allows.
        mutating func encodeBlocks(_ items: [[UInt8]], _ bytes: inout [UInt8]) {
            var rest = items[...]
            while !rest.isEmpty {
                let take = Int.random(in: 1...rest.count, using: &random)
                let block = rest.prefix(take)
                rest = rest.dropFirst(take)
                let body = block.flatMap { $0 }
                if Bool.random(using: &random) {
                    encodeLong(-Int64(take), &bytes)
                    encodeLong(Int64(body.count), &bytes)
                } else {
                    encodeLong(Int64(take), &bytes)
                }
                bytes.append(contentsOf: body)
            }
            bytes.append(0)
        }

        func encodeLong(_ value: Int64, _ bytes: inout [UInt8]) {
            var zigzag = UInt64(bitPattern: (value << 1) ^ (value >> 63))
            while zigzag >= 0x80 {
                bytes.append(UInt8(zigzag & 0x7F) | 0x80)
                zigzag >>= 7
            }
            bytes.append(UInt8(zigzag))
        }
    }

    func testRandomSchemasAndValuesRoundTrip() throws {
        var generator = Generator(random: SeededRandom.fromEnvironment())
        for round in 0..<300 {
            let schema = Schema.record(name: generator.name("Top"), fields: (0..<3).map { ("t\($0)", generator.schema(depth: 0)) })
            let parsed = try AvroSchemaParser.parse(schema.json)
            for _ in 0..<5 {
                var bytes: [UInt8] = []
                let expected = generator.value(schema, into: &bytes)
                let decoded = try AvroDecoder.decode(bytes, schema: parsed)
                assertJSONEquivalent(decoded, expected, "round \(round), schema \(schema.json), seed \(generator.random.seed)")
                // Random garbage and cuts of a valid value under the same schema: errors only.
                for cut in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 8)) {
                    _ = try? AvroDecoder.decode(Array(bytes[..<cut]), schema: parsed)
                }
                _ = try? AvroDecoder.decode(generator.random.bytes(Int.random(in: 0...64, using: &generator.random)), schema: parsed)
            }
        }
    }
}
