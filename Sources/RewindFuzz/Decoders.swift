import Decoding
import EventLog
import Interop
import KafkaProtocol
import Payloads

// Every decoder and importer Rewind feeds with captured bytes, behind one libFuzzer callback. The
// first input byte picks the decoder; the rest is its input. Each must reject garbage with an
// error — never crash, hang, or allocate past its limits. Build and run with `make fuzz`.
func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size > 0 else { return 0 }
    let input = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    // 0xF0 and up: the value decoders (below that, the original dispatch, so older seeds keep
    // reaching the decoder they were written for).
    // 0xE0–0xEF: Kafka request frames (what `rewind serve` reads from the network).
    if data[0] >= 0xE0 && data[0] < 0xF0 {
        fuzzKafkaRequest(input)
        return 0
    }
    if data[0] >= 0xF0 {
        fuzzValueDecoder(data[0] & 0x0F, input)
        return 0
    }
    switch data[0] % 8 {
    case 0: fuzzBatch(input)
    case 1: fuzzRecords(input)
    case 2...5: fuzzCodec(CompressionCodec(rawValue: Int(data[0] % 8) - 1)!, input)
    case 6: fuzzJSON(input)
    default: fuzzImportLine(input)
    }
    return 0
}

/// A whole batch: header, CRC, records (CRC failures are the common, and correct, outcome).
func fuzzBatch(_ input: UnsafeRawBufferPointer) {
    guard let header = try? RecordBatch.validate(input), input.count >= RecordBatchHeader.size else { return }
    var iterator = RecordIterator(header: header, records: UnsafeRawBufferPointer(rebasing: input[RecordBatchHeader.size...]))
    while let record = try? iterator.next() { _ = record.headers() }
}

/// The records section alone, past the CRC, with a declared count from the input.
func fuzzRecords(_ input: UnsafeRawBufferPointer) {
    guard input.count > 1 else { return }
    let header = RecordBatchHeader.describing(recordCount: Int32(input[0] & 0x7F), logAppendTime: input[0] & 0x80 != 0)
    var iterator = RecordIterator(header: header, records: UnsafeRawBufferPointer(rebasing: input[1...]))
    while let record = try? iterator.next() {
        _ = record.headers()
        _ = record.header(named: "event-id")
    }
}

func fuzzCodec(_ codec: CompressionCodec, _ input: UnsafeRawBufferPointer) {
    var output: [UInt8] = []
    try? KafkaCodecs().decompress(codec, input, into: &output, limit: 1 << 20)
    precondition(output.count <= 1 << 20, "\(codec) wrote past its limit")
}

func fuzzJSON(_ input: UnsafeRawBufferPointer) {
    if JSONScanner.isValid(input) { JSONScanner.forEachMember(input) { _, _ in true } }
    JSONScanner.forEachRawMember(input) { _, value in _ = JSONScanner.number(value); return true }
    _ = JSONScanner.member("amount", in: input)
    JSONScanner.forEachElement(input) { _ in true }
    _ = JSONScanner.decodeString(input)
}

func fuzzImportLine(_ input: UnsafeRawBufferPointer) {
    let line = String(decoding: input, as: UTF8.self)
    _ = CSV.fields(line)
    _ = Importer.detect([line], name: "fuzz")
    _ = try? Importer.parseLine(line, format: .kcat)
    _ = try? Importer.parseLine(line, format: .jsonl)
}
