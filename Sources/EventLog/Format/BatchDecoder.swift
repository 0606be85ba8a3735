/// Turns the bytes of one stored batch into records: validates size, magic and CRC, decompresses
/// when needed (into a scratch buffer reused across batches), and walks the records.
struct BatchDecoder {
    var decompressor: BatchDecompressor
    private var scratch: [UInt8] = []
    /// Whether the records of the last batch decoded lie in `scratch` (it was compressed).
    private(set) var lastBatchDecompressed = false
    /// The partition's memo of batches already CRC-checked by a read (nil: check every batch, as
    /// verification and bytes from the network must).
    var checked: CheckedBatches?

    /// Keeps the last decompressed batch's bytes alive: while it is held, the next decompression
    /// finds `scratch` shared and writes into a new buffer instead (copy-on-write), so records
    /// handed out earlier stay valid.
    func retainScratch() -> AnyObject { RetainedBytes(scratch) }

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
        if magic == 0 || magic == 1 { return try legacyRecords(bytes, path: path, position: position, body) }
        guard magic == 2 else {
            throw EventLogError(.unsupportedFormat, "unknown message format (magic \(magic))", path: path, position: Int64(position))
        }
        let header = try validatedHeader(bytes, path: path, position: position)
        let records = UnsafeRawBufferPointer(rebasing: bytes[RecordBatchHeader.size...])
        guard let codec = CompressionCodec(rawValue: header.compressionCodecBits) else {
            throw EventLogError(.unsupportedCodec, "unknown compression codec \(header.compressionCodecBits)", path: path, position: Int64(position))
        }
        do {
            lastBatchDecompressed = codec != .none
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
            throw Self.malformedRecords(failure, of: header, path: path, position: position)
        }
    }

    /// `forEachRecord` for the records at or after offset `start` only. In an uncompressed batch the
    /// records before `start` are stepped over by their lengths, not decoded: a read from the middle
    /// of a 10,000-record batch (the explorer's page under the cursor, a view's as-of event)
    /// decoded ~5,000 records it then dropped.
    mutating func forEachRecord(
        _ bytes: UnsafeRawBufferPointer, path: String, position: Int, from start: Int64,
        _ body: (RecordView, RecordBatchHeader) throws -> Bool
    ) throws -> Bool {
        guard let (header, iterator) = try uncompressedRecords(bytes, path: path, position: position) else {
            return try forEachRecord(bytes, path: path, position: position) { record, header in
                record.offset.rawValue < start ? true : try body(record, header)
            }
        }
        var records = iterator
        do {
            try records.skipRecords(before: start)
            while let record = try records.next() {
                if try !body(record, header) { return false }
            }
            return true
        } catch let failure as DecodeFailure {
            throw Self.malformedRecords(failure, of: header, path: path, position: position)
        }
    }

    /// A v2 batch's header once its size, magic and CRC (unless `checkingCRC` is false: a batch
    /// `CheckedBatches` knows) check out; else the error naming where.
    static func validated(_ bytes: UnsafeRawBufferPointer, path: String, position: Int, checkingCRC: Bool = true) throws -> RecordBatchHeader {
        do {
            return try RecordBatch.validate(bytes, checkingCRC: checkingCRC)
        } catch {
            throw EventLogError(.corruptBatch, "batch is corrupt: \(error)", path: path, position: Int64(position))
        }
    }

    /// `validated`, skipping the CRC of a large batch this partition's reads checked before.
    private func validatedHeader(_ bytes: UnsafeRawBufferPointer, path: String, position: Int) throws -> RecordBatchHeader {
        guard let checked, bytes.count >= CheckedBatches.sizeMin, let stored = try? RecordBatchHeader(parsing: bytes) else {
            return try Self.validated(bytes, path: path, position: position)
        }
        let key = CheckedBatches.Key(path: path, position: position, size: bytes.count, crc: stored.crc)
        if checked.contains(key) { return try Self.validated(bytes, path: path, position: position, checkingCRC: false) }
        let header = try Self.validated(bytes, path: path, position: position)
        checked.insert(key)
        return header
    }

    /// How every reader reports records of a valid batch that do not decode.
    static func malformedRecords(_ failure: Error, of header: RecordBatchHeader, path: String, position: Int) -> EventLogError {
        EventLogError(.corruptBatch, "records of batch at offset \(header.baseOffset) are malformed: \(failure)", path: path, position: Int64(position))
    }

    /// For an uncompressed v2 batch (the records lie in `bytes` themselves), the validated header
    /// and an iterator over its records, so a reader can take them a few at a time; nil for
    /// compressed and legacy batches (decoded whole by `forEachRecord`).
    func uncompressedRecords(_ bytes: UnsafeRawBufferPointer, path: String, position: Int) throws -> (RecordBatchHeader, RecordIterator)? {
        guard bytes.count > RecordBatchHeader.magicPosition, Int8(bitPattern: bytes[RecordBatchHeader.magicPosition]) == 2,
              let codec = try? RecordBatchHeader(parsing: bytes).compressionCodecBits, codec == CompressionCodec.none.rawValue else { return nil }
        let header = try validatedHeader(bytes, path: path, position: position)
        return (header, RecordIterator(header: header, records: UnsafeRawBufferPointer(rebasing: bytes[RecordBatchHeader.size...])))
    }

    /// A legacy message: one record, or for a compressed wrapper the inner messages.
    private mutating func legacyRecords(_ bytes: UnsafeRawBufferPointer, path: String, position: Int,
                                        _ body: (RecordView, RecordBatchHeader) throws -> Bool) throws -> Bool {
        let wrapper: LegacyMessage
        do {
            wrapper = try LegacyMessage.parse(bytes)
        } catch {
            throw EventLogError(.corruptBatch, "legacy message is corrupt: \(error)", path: path, position: Int64(position))
        }
        let empty = UnsafeRawBufferPointer(start: nil, count: 0)
        lastBatchDecompressed = wrapper.codecBits != 0
        guard wrapper.codecBits != 0 else {
            let record = RecordView(offset: Offset(wrapper.offset), timestamp: Timestamp(milliseconds: wrapper.timestamp), key: wrapper.key,
                                    value: wrapper.value, headerCount: 0, headerBytes: empty)
            return try body(record, wrapper.header(baseOffset: wrapper.offset, lastOffset: wrapper.offset, count: 1))
        }
        guard let codec = CompressionCodec(rawValue: wrapper.codecBits), let compressed = wrapper.value else {
            throw EventLogError(.unsupportedCodec, "unknown compression codec \(wrapper.codecBits)", path: path, position: Int64(position))
        }
        scratch.removeAll(keepingCapacity: true)
        do {
            try decompressor.decompress(codec, compressed, into: &scratch, limit: Limits.decompressedBatchBytesMax)
        } catch var error as EventLogError {
            error.path = path
            error.position = Int64(position)
            throw error
        }
        return try scratch.withUnsafeBytes { inner in
            var messages: [LegacyMessage] = []
            var at = 0
            while at < inner.count {
                guard messages.count < Limits.recordsPerBatchMax, let message = try? LegacyMessage.parse(UnsafeRawBufferPointer(rebasing: inner[at...])) else {
                    throw EventLogError(.corruptBatch, "inner message \(messages.count) of a compressed legacy message is corrupt", path: path, position: Int64(position))
                }
                messages.append(message)
                at += message.size
            }
            guard let last = messages.last else { return true }
            // Magic 1 inner offsets are relative to the wrapper's, which names the last inner message.
            let shift = wrapper.magic == 1 ? wrapper.offset - last.offset : 0
            let header = wrapper.header(baseOffset: messages[0].offset + shift, lastOffset: last.offset + shift, count: messages.count)
            for message in messages {
                let time = wrapper.logAppendTime ? wrapper.timestamp : message.timestamp
                let record = RecordView(offset: Offset(message.offset + shift), timestamp: Timestamp(milliseconds: time), key: message.key,
                                        value: message.value, headerCount: 0, headerBytes: empty)
                if try !body(record, header) { return false }
            }
            return true
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

/// A decompressed batch's buffer, held so it outlives the decoder's next batch.
private final class RetainedBytes {
    let bytes: [UInt8]
    init(_ bytes: [UInt8]) { self.bytes = bytes }
}
