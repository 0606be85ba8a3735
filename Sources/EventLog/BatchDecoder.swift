/// Turns the bytes of one stored batch into records: validates size, magic and CRC, decompresses
/// when needed (into a scratch buffer reused across batches), and walks the records.
struct BatchDecoder {
    var decompressor: BatchDecompressor
    private var scratch: [UInt8] = []

    init(decompressor: BatchDecompressor) {
        self.decompressor = decompressor
    }

    /// Calls `body` with each record of the batch at `position` of `path`; stops early when `body`
    /// returns false (and returns false). `bytes` holds exactly the batch.
    @inline(__always)
    mutating func forEachRecord(
        _ bytes: UnsafeRawBufferPointer, path: String, position: Int,
        _ body: (RecordView, RecordBatchHeader) throws -> Bool
    ) throws -> Bool {
        let magic = bytes.count > RecordBatchHeader.magicPosition ? Int8(bitPattern: bytes[RecordBatchHeader.magicPosition]) : -1
        guard magic == 2 else {
            throw EventLogError(.unsupportedFormat, "legacy message set (magic \(magic)) is not supported by this reader",
                                path: path, position: Int64(position))
        }
        let header: RecordBatchHeader
        do {
            header = try RecordBatch.validate(bytes)
        } catch {
            throw EventLogError(.corruptBatch, "batch is corrupt: \(error)", path: path, position: Int64(position))
        }
        let records = UnsafeRawBufferPointer(rebasing: bytes[RecordBatchHeader.size...])
        guard let codec = CompressionCodec(rawValue: header.compressionCodecBits) else {
            throw EventLogError(.unsupportedCodec, "unknown compression codec \(header.compressionCodecBits)", path: path, position: Int64(position))
        }
        do {
            if codec == .none {
                return try Self.iterate(header, records, body)
            }
            scratch.removeAll(keepingCapacity: true)
            do {
                try decompressor.decompress(codec, records, into: &scratch, limit: Limits.decompressedBatchBytesMax)
            } catch var error as EventLogError {
                error.path = path
                error.position = Int64(position)
                throw error
            }
            return try scratch.withUnsafeBytes { try Self.iterate(header, $0, body) }
        } catch let failure as DecodeFailure {
            throw EventLogError(.corruptBatch, "records of batch at offset \(header.baseOffset) are malformed: \(failure)",
                                path: path, position: Int64(position))
        }
    }

    @inline(__always)
    private static func iterate(_ header: RecordBatchHeader, _ records: UnsafeRawBufferPointer,
                                _ body: (RecordView, RecordBatchHeader) throws -> Bool) throws -> Bool {
        var iterator = RecordIterator(header: header, records: records)
        while let record = try iterator.next() {
            if try !body(record, header) { return false }
        }
        return true
    }
}
