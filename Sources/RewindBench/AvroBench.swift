import Decoding
import EventLog
import Glibc

// Avro decode throughput: records of the testdata's Payment schema (v2: enum, string, long, union,
// array, map, fixed, boolean) decoded to JSON text by Rewind, and by fastavro's compiled
// schemaless_reader on the same bytes in the same run (Benchmarks/avro_fastavro.py).
// `RewindBench --avro-only [--events N]` (default 1M records).

let paymentSchemaText = #"{"type":"record","name":"Payment","namespace":"bank","fields":[{"name":"type","type":{"type":"enum","name":"Kind","symbols":["DEPOSIT","WITHDRAWAL"]}},{"name":"account","type":"string"},{"name":"amount","type":"long"},{"name":"note","type":["null","string"],"default":null},{"name":"tags","type":{"type":"array","items":"string"},"default":[]},{"name":"fx","type":{"type":"map","values":"double"},"default":{}},{"name":"ref","type":{"type":"fixed","name":"Ref","size":4}},{"name":"flagged","type":"boolean","default":false}]}"#

/// A Payment the way the testdata's encoder writes them, from a seeded generator (xorshift).
struct PaymentEncoder {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    let accounts = ["BradA", "CarolM", "Zoë", "EveL", "MalloryK", "TrentQ"]
    let notes = ["atm", "wire ✓", "card 4411", "salary"]

    mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }

    func long(_ value: Int64, _ out: inout [UInt8]) {
        var zigzag = UInt64(bitPattern: (value << 1) ^ (value >> 63))
        while zigzag >= 0x80 {
            out.append(UInt8(zigzag & 0x7F) | 0x80)
            zigzag >>= 7
        }
        out.append(UInt8(zigzag))
    }

    func string(_ text: String, _ out: inout [UInt8]) {
        long(Int64(text.utf8.count), &out)
        out.append(contentsOf: text.utf8)
    }

    mutating func payment(into out: inout [UInt8]) {
        long(Int64(next() % 2), &out)
        string(accounts[Int(next() % UInt64(accounts.count))], &out)
        long(Int64(next() % 1_000_000_000_000), &out)
        if next() % 2 == 0 { long(0, &out) } else { long(1, &out); string(notes[Int(next() % UInt64(notes.count))], &out) }
        let tags = Int(next() % 3)
        if tags > 0 {
            long(Int64(tags), &out)
            for index in 0..<tags { string(["fx", "new", "vip"][index], &out) }
        }
        long(0, &out)
        if next() % 2 == 0 {
            long(1, &out)
            string("EUR", &out)
            withUnsafeBytes(of: (Double(next() % 10_000) / 10_000).bitPattern.littleEndian) { out.append(contentsOf: $0) }
        }
        long(0, &out)
        withUnsafeBytes(of: UInt32(truncatingIfNeeded: next())) { out.append(contentsOf: $0) }
        out.append(UInt8(next() % 2))
    }
}

func runAvroBenchmark(records: Int, directory: String) throws {
    try FileSystem.createDirectories(directory)
    let schema = try AvroSchemaParser.parse(paymentSchemaText)
    var encoder = PaymentEncoder()
    var file: [UInt8] = []
    var ranges: [Range<Int>] = []
    ranges.reserveCapacity(records)
    for _ in 0..<records {
        let lengthAt = file.count
        file.append(contentsOf: [0, 0, 0, 0])
        encoder.payment(into: &file)
        let length = UInt32(file.count - lengthAt - 4)
        withUnsafeBytes(of: length.littleEndian) { bytes in for index in 0..<4 { file[lengthAt + index] = bytes[index] } }
        ranges.append((lengthAt + 4)..<file.count)
    }
    let recordsPath = directory + "/payments.avro-records"
    let schemaPath = directory + "/payment.avsc"
    try writeWhole(recordsPath, file)
    try writeWhole(schemaPath, Array(paymentSchemaText.utf8))
    let payloadBytes = ranges.reduce(0) { $0 + $1.count }
    print("Avro decode: \(records) Payment records, \(payloadBytes) bytes of Avro (\(String(format1: Double(payloadBytes) / Double(records))) bytes/record)")

    // Rewind: each record decoded to JSON text into one reused buffer, best of 3 rounds.
    var best = Double.infinity
    var outputBytes = 0
    var out: [UInt8] = []
    out.reserveCapacity(1 << 12)
    for _ in 0..<3 {
        let started = now()
        outputBytes = 0
        try file.withUnsafeBytes { bytes in
            for range in ranges {
                out.removeAll(keepingCapacity: true)
                try AvroDecoder.decode(UnsafeRawBufferPointer(rebasing: bytes[range]), schema: schema, into: &out)
                outputBytes += out.count
            }
        }
        best = min(best, now() - started)
    }
    let rewindRate = Double(records) / best
    print("  Rewind AvroDecoder → JSON: \(format(rewindRate)) records/s, \(String(format1: Double(payloadBytes) / best / 1e6)) MB/s of Avro (\(String(format1: best * 1000)) ms; \(outputBytes / records) bytes of JSON/record)")

    // fastavro on the same file, in this run.
    let command = "python3 Benchmarks/avro_fastavro.py \(recordsPath) \(schemaPath)"
    guard let pipe = popen(command, "r") else { return print("  fastavro: could not run python3") }
    var text = ""
    var buffer = [CChar](repeating: 0, count: 4096)
    while fgets(&buffer, Int32(buffer.count), pipe) != nil { text += String(cString: buffer) }
    let status = pclose(pipe)
    guard status == 0, let secondsRange = text.range(of: "\"seconds\": ") else {
        return print("  fastavro: not measured (`pip install fastavro`; exit \(status)) \(text)")
    }
    let seconds = Double(text[secondsRange.upperBound...].prefix { $0.isNumber || $0 == "." || $0 == "e" || $0 == "-" }) ?? .nan
    let fastRate = Double(records) / seconds
    print("  fastavro schemaless_reader: \(format(fastRate)) records/s, \(String(format1: Double(payloadBytes) / seconds / 1e6)) MB/s (\(String(format1: seconds * 1000)) ms) \(text.trimmingCharacters())")
    print("  ratio: Rewind \(String(format1: rewindRate / fastRate))× fastavro")
}

func writeWhole(_ path: String, _ bytes: [UInt8]) throws {
    let file = try SystemFile(path: path, mode: .createOrTruncate)
    defer { file.close() }
    try file.write(bytes, at: 0)
}

extension String {
    func trimmingCharacters() -> String {
        var text = Substring(self)
        while text.last?.isWhitespace == true { text.removeLast() }
        return String(text)
    }
}
