import CRC32C
#if canImport(Glibc)
import Glibc
#endif

// Kafka RecordBatch v2 (magic 2), byte-compatible with what brokers write. All integers big-endian.
//
//   offset size field
//   0      8    baseOffset            offset of the first record
//   8      4    batchLength           bytes after this field (so a batch takes 12 + batchLength)
//   12     4    partitionLeaderEpoch
//   16     1    magic                 2 (0 and 1 are the legacy message sets, same byte position)
//   17     4    crc                   CRC-32C of bytes 21..end (attributes to the last record)
//   21     2    attributes            bits 0-2 codec, 3 timestamp type, 4 transactional, 5 control
//   23     4    lastOffsetDelta
//   27     8    baseTimestamp
//   35     8    maxTimestamp
//   43     8    producerId
//   51     2    producerEpoch
//   53     4    baseSequence
//   57     4    recordCount           outside the compressed region
//   61     …    records               compressed as one block when the codec is not `none`
//
// Each record, zigzag varints ("varint" = 32-bit, "varlong" = 64-bit range):
//   length varint | attributes int8 | timestampDelta varlong | offsetDelta varint |
//   keyLength varint (-1 = null) | key | valueLength varint (-1 = null) | value |
//   headerCount varint | per header: keyLength varint | key (UTF-8) | valueLength varint | value
//
// Valid when: 61 ≤ 12 + batchLength ≤ bytes present and ≤ Limits.batchBytesMax, magic = 2, the CRC
// matches, and the records section parses to exactly recordCount records with no bytes left over.
// After a crash the last batch of the active segment may be torn (short or CRC mismatch); recovery
// truncates it (see `SegmentRecovery`).

/// The fixed 61-byte header of a v2 batch.
public struct RecordBatchHeader: Hashable, Sendable {
    public static let size = 61
    /// baseOffset + batchLength: enough to know where the batch ends.
    public static let lengthPrefixSize = 12
    @usableFromInline static let magicPosition = 16
    @usableFromInline static let crcPosition = 17
    @usableFromInline static let attributesPosition = 21

    public var baseOffset: Int64
    public var batchLength: Int32
    public var partitionLeaderEpoch: Int32
    public var magic: Int8
    public var crc: UInt32
    public var attributes: Int16
    public var lastOffsetDelta: Int32
    public var baseTimestamp: Int64
    public var maxTimestamp: Int64
    public var producerId: Int64
    public var producerEpoch: Int16
    public var baseSequence: Int32
    public var recordCount: Int32

    public var totalSize: Int { Self.lengthPrefixSize + Int(batchLength) }
    public var lastOffset: Int64 { baseOffset + Int64(lastOffsetDelta) }
    public var compressionCodecBits: Int { Int(attributes & 0x07) }
    public var timestampType: TimestampType { attributes & 0x08 != 0 ? .logAppendTime : .createTime }
    public var isTransactional: Bool { attributes & 0x10 != 0 }
    public var isControl: Bool { attributes & 0x20 != 0 }

    func info(position: Int64) -> BatchInfo {
        BatchInfo(
            baseOffset: Offset(baseOffset), lastOffset: Offset(lastOffset), magic: magic,
            compression: CompressionCodec(rawValue: compressionCodecBits) ?? .none,
            timestampType: timestampType, isTransactional: isTransactional, isControl: isControl,
            producerId: producerId, producerEpoch: producerEpoch, baseSequence: baseSequence,
            partitionLeaderEpoch: partitionLeaderEpoch, position: position, sizeInBytes: totalSize)
    }
}

extension RecordBatchHeader {
    /// A header describing a bare records section (offsets and times from 0): for decoding records
    /// outside a stored batch, as the fuzz target does.
    public static func describing(recordCount: Int32, logAppendTime: Bool = false) -> RecordBatchHeader {
        RecordBatchHeader(baseOffset: 0, batchLength: 0, partitionLeaderEpoch: 0, magic: 2, crc: 0, attributes: logAppendTime ? 0x08 : 0,
                          lastOffsetDelta: max(0, recordCount - 1), baseTimestamp: 0, maxTimestamp: 0, producerId: -1, producerEpoch: -1,
                          baseSequence: -1, recordCount: recordCount)
    }

    /// Parses the header only; checks nothing but that 61 bytes are there. Use `RecordBatch.validate`.
    public init(parsing bytes: UnsafeRawBufferPointer) throws(DecodeFailure) {
        var cursor = ByteCursor(bytes)
        baseOffset = try cursor.readBigEndian(Int64.self)
        batchLength = try cursor.readBigEndian(Int32.self)
        partitionLeaderEpoch = try cursor.readBigEndian(Int32.self)
        magic = Int8(bitPattern: try cursor.readByte())
        crc = try cursor.readBigEndian(UInt32.self)
        attributes = try cursor.readBigEndian(Int16.self)
        lastOffsetDelta = try cursor.readBigEndian(Int32.self)
        baseTimestamp = try cursor.readBigEndian(Int64.self)
        maxTimestamp = try cursor.readBigEndian(Int64.self)
        producerId = try cursor.readBigEndian(Int64.self)
        producerEpoch = try cursor.readBigEndian(Int16.self)
        baseSequence = try cursor.readBigEndian(Int32.self)
        recordCount = try cursor.readBigEndian(Int32.self)
    }
}

/// A record borrowed from a batch: its byte ranges point into the mapped segment (or a
/// decompression buffer) and are valid only inside the callback that received it.
public struct RecordView {
    public let offset: Offset
    public let timestamp: Timestamp
    public let key: UnsafeRawBufferPointer?
    public let value: UnsafeRawBufferPointer?
    public let headerCount: Int
    @usableFromInline let headerBytes: UnsafeRawBufferPointer

    @inlinable
    init(offset: Offset, timestamp: Timestamp, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?, headerCount: Int, headerBytes: UnsafeRawBufferPointer) {
        self.offset = offset
        self.timestamp = timestamp
        self.key = key
        self.value = value
        self.headerCount = headerCount
        self.headerBytes = headerBytes
    }

    /// Headers copied out; the header region was already validated when the record was read.
    public func headers() -> [Header] {
        var result: [Header] = []
        result.reserveCapacity(headerCount)
        forEachHeader { key, value in
            result.append(Header(key: String(decoding: key, as: UTF8.self), value: value.map { Array($0) }))
            return true
        }
        return result
    }

    /// Walks the headers without copying; `body` returns false to stop.
    public func forEachHeader(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer?) -> Bool) {
        var cursor = ByteCursor(headerBytes)
        for _ in 0..<headerCount {
            do {
                let key = try cursor.readNullableBytes() ?? UnsafeRawBufferPointer(start: nil, count: 0)
                let value = try cursor.readNullableBytes()
                if !body(key, value) { return }
            } catch {
                return // validated by RecordIterator; unreachable for records it produced
            }
        }
    }

    /// The first header named `name`: `.some(nil)` when present with a null value.
    public func header(named name: String) -> UnsafeRawBufferPointer?? {
        var name = name
        return name.withUTF8 { header(utf8: UnsafeRawBufferPointer($0)) }
    }

    /// `header(named:)` for a name already in UTF-8: no allocation, for per-event lookups in folds.
    /// A direct walk, not `forEachHeader`'s closure: the runner asks every event for `event-id`
    /// when deduplicating (on by default).
    public func header(utf8 wanted: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer?? {
        guard headerCount > 0 else { return nil }
        var cursor = ByteCursor(headerBytes)
        do {
            for _ in 0..<headerCount {
                let key = try cursor.readNullableBytes()
                let value = try cursor.readNullableBytes()
                guard let key, key.count == wanted.count else { continue }
                if key.isEmpty || memcmp(key.baseAddress!, wanted.baseAddress!, key.count) == 0 { return .some(value) }
            }
        } catch {
            return nil // validated by RecordIterator; unreachable for records it produced
        }
        return nil
    }

    public func materialize(batch: BatchInfo) -> Record {
        Record(offset: offset, timestamp: timestamp, key: key.map { Array($0) }, value: value.map { Array($0) },
               headers: headers(), batch: batch)
    }
}

/// Walks the records section of one batch without allocating.
public struct RecordIterator {
    @usableFromInline var cursor: ByteCursor
    @usableFromInline let baseOffset: Int64
    @usableFromInline let baseTimestamp: Int64
    @usableFromInline let logAppendTime: Int64?
    @usableFromInline let declaredCount: Int
    @usableFromInline var produced = 0

    @inlinable
    public init(header: RecordBatchHeader, records: UnsafeRawBufferPointer) {
        cursor = ByteCursor(records)
        baseOffset = header.baseOffset
        baseTimestamp = header.baseTimestamp
        logAppendTime = header.timestampType == .logAppendTime ? header.maxTimestamp : nil
        declaredCount = Int(header.recordCount)
    }

    /// Steps over the records before `offset` reading only their length and offset delta: a fold
    /// that starts mid-batch (a view restored from a snapshot) needs none of their fields.
    @inlinable
    public mutating func skipRecords(before offset: Int64) throws(DecodeFailure) {
        try skipRecords { recordOffset, _ in recordOffset >= offset }
    }

    /// Steps over records until `stop(offset, timestamp)` holds for one (the next `next()` returns
    /// it) or the batch ends, reading only each record's length, timestamp and offset deltas.
    @inlinable
    public mutating func skipRecords(until stop: (Int64, Int64) -> Bool) throws(DecodeFailure) {
        while produced < declaredCount, cursor.remaining > 0 {
            let start = cursor.position
            let length = try cursor.readVarlong()
            guard length > 0, length <= Int64(cursor.remaining) else { throw .badRecordLength }
            let recordEnd = cursor.position + Int(length)
            try cursor.skip(1)
            let timestampDelta = try cursor.readVarlong()
            let offsetDelta = try cursor.readVarlong()
            guard cursor.position <= recordEnd else { throw .badRecordLength }
            if stop(baseOffset &+ offsetDelta, logAppendTime ?? (baseTimestamp &+ timestampDelta)) {
                cursor.position = start
                return
            }
            cursor.position = recordEnd
            produced += 1
        }
    }

    /// The next record, or nil after the last one; throws if the section is malformed or its record
    /// count disagrees with the header.
    @inlinable @inline(__always)
    public mutating func next() throws(DecodeFailure) -> RecordView? {
        guard produced < declaredCount else {
            if cursor.remaining != 0 { throw .trailingBytes(cursor.remaining) }
            return nil
        }
        guard cursor.remaining > 0 else { throw .recordCountMismatch(declared: declaredCount, found: produced) }
        let length = try cursor.readVarlong()
        guard length > 0, length <= Int64(cursor.remaining) else { throw .badRecordLength }
        let recordEnd = cursor.position + Int(length)
        try cursor.skip(1) // record attributes: unused by v2
        let timestampDelta = try cursor.readVarlong()
        let offsetDelta = try cursor.readVarlong()
        let key = try cursor.readNullableBytes()
        let value = try cursor.readNullableBytes()
        let headerCount = try cursor.readVarlong()
        guard headerCount >= 0, headerCount <= Int64(Limits.headersPerRecordMax) else { throw .tooManyHeaders }
        let headersStart = cursor.position
        for _ in 0..<Int(truncatingIfNeeded: headerCount) {
            guard let _ = try cursor.readNullableBytes() else { throw .lengthOutOfRange } // header keys are never null
            _ = try cursor.readNullableBytes()
        }
        guard cursor.position == recordEnd else { throw .badRecordLength }
        produced += 1
        return RecordView(
            offset: Offset(baseOffset &+ offsetDelta),
            timestamp: Timestamp(milliseconds: logAppendTime ?? (baseTimestamp &+ timestampDelta)),
            key: key, value: value, headerCount: Int(headerCount),
            headerBytes: UnsafeRawBufferPointer(start: cursor.base + headersStart, count: cursor.position - headersStart))
    }
}

public enum RecordBatch {
    /// Checks a complete v2 batch: size, magic, CRC and count bounds. `bytes` must hold exactly one batch.
    @inlinable
    public static func validate(_ bytes: UnsafeRawBufferPointer) throws(DecodeFailure) -> RecordBatchHeader {
        try validate(bytes, checkingCRC: true)
    }

    /// `validate` without the CRC, for a batch whose bytes were checked before (`CheckedBatches`).
    @inlinable
    public static func validate(_ bytes: UnsafeRawBufferPointer, checkingCRC: Bool) throws(DecodeFailure) -> RecordBatchHeader {
        let header = try RecordBatchHeader(parsing: bytes)
        guard header.totalSize == bytes.count, header.totalSize >= RecordBatchHeader.size else { throw .lengthOutOfRange }
        guard header.magic == 2 else { throw .unsupportedMagic(header.magic) }
        if checkingCRC {
            let computed = computeCRC(bytes)
            guard computed == header.crc else { throw .crcMismatch(stored: header.crc, computed: computed) }
        }
        guard header.recordCount >= 0, Int(header.recordCount) <= Limits.recordsPerBatchMax,
              header.lastOffsetDelta >= 0 else { throw .lengthOutOfRange }
        return header
    }

    /// CRC-32C over attributes..end, the span Kafka's v2 checksum covers.
    @inlinable
    public static func computeCRC(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        let start = RecordBatchHeader.attributesPosition
        guard bytes.count > start, let base = bytes.baseAddress else { return 0 }
        return rewind_crc32c_extend(0, base + start, bytes.count - start)
    }
}

/// Identity of an idempotent or transactional producer; plain appends use `.none` (-1s, as Kafka).
public struct ProducerIdentity: Hashable, Sendable {
    public var producerId: Int64
    public var producerEpoch: Int16
    public var baseSequence: Int32
    public static let none = ProducerIdentity(producerId: -1, producerEpoch: -1, baseSequence: -1)
    public init(producerId: Int64, producerEpoch: Int16, baseSequence: Int32) {
        self.producerId = producerId
        self.producerEpoch = producerEpoch
        self.baseSequence = baseSequence
    }
}

/// Encodes uncompressed v2 batches into one reusable buffer: sized exactly in a first pass, then
/// written with unchecked stores, so a batch costs one allocation at most (none once warmed up).
public struct RecordBatchEncoder {
    public private(set) var buffer: [UInt8] = []
    /// Each record's body size from the sizing pass, reused by the writing pass (computing it twice
    /// was a tenth of a 1,000-record encode).
    private var bodySizes: [Int] = []

    public init() {}

    /// Encodes `records` as one batch starting at `baseOffset`; returns the batch's header.
    @discardableResult
    public mutating func encode(_ records: [ProducerRecord], baseOffset: Offset, producer: ProducerIdentity = .none,
                                partitionLeaderEpoch: Int32 = 0, isTransactional: Bool = false, isControl: Bool = false,
                                offsetDeltas: [Int64]? = nil) -> RecordBatchHeader {
        precondition(!records.isEmpty, "a batch holds at least one record")
        precondition(offsetDeltas == nil || offsetDeltas!.count == records.count, "one offset delta per record")
        let delta = { (index: Int) -> Int64 in offsetDeltas?[index] ?? Int64(index) }
        precondition(records.count <= Limits.recordsPerBatchMax, "batch too large")
        let baseTimestamp = records[0].timestamp.milliseconds
        var maxTimestamp = baseTimestamp
        var total = RecordBatchHeader.size
        bodySizes.removeAll(keepingCapacity: true)
        for (index, record) in records.enumerated() {
            maxTimestamp = max(maxTimestamp, record.timestamp.milliseconds)
            let body = Self.bodySize(record, offsetDelta: delta(index), timestampDelta: record.timestamp.milliseconds &- baseTimestamp)
            bodySizes.append(body)
            total += varlongSize(Int64(body)) + body
        }
        let attributes: Int16 = (isTransactional ? 0x10 : 0) | (isControl ? 0x20 : 0)
        let header = RecordBatchHeader(
            baseOffset: baseOffset.rawValue, batchLength: Int32(total - RecordBatchHeader.lengthPrefixSize),
            partitionLeaderEpoch: partitionLeaderEpoch, magic: 2, crc: 0, attributes: attributes,
            lastOffsetDelta: Int32(delta(records.count - 1)), baseTimestamp: baseTimestamp, maxTimestamp: maxTimestamp,
            producerId: producer.producerId, producerEpoch: producer.producerEpoch, baseSequence: producer.baseSequence,
            recordCount: Int32(records.count))
        if buffer.count != total {
            buffer = [UInt8](repeating: 0, count: total)
        }
        let sizes = bodySizes
        let crc: UInt32 = buffer.withUnsafeMutableBytes { raw in
            var writer = ByteWriter(raw.baseAddress!)
            Self.writeHeader(header, into: &writer)
            for (index, record) in records.enumerated() {
                Self.writeRecord(record, bodySize: sizes[index], offsetDelta: delta(index),
                                 timestampDelta: record.timestamp.milliseconds &- baseTimestamp, into: &writer)
            }
            precondition(writer.position == total, "batch size computed and written disagree")
            let crc = RecordBatch.computeCRC(UnsafeRawBufferPointer(raw))
            raw.storeBytes(of: crc.bigEndian, toByteOffset: RecordBatchHeader.crcPosition, as: UInt32.self)
            return crc
        }
        var result = header
        result.crc = crc
        return result
    }

    @inlinable
    static func bodySize(_ record: ProducerRecord, offsetDelta: Int64, timestampDelta: Int64) -> Int {
        var size = 1 + varlongSize(timestampDelta) + varlongSize(offsetDelta)
        size += nullableSize(record.key?.count)
        size += nullableSize(record.value?.count)
        size += varlongSize(Int64(record.headers.count))
        for header in record.headers {
            size += nullableSize(header.key.utf8.count)
            size += nullableSize(header.value?.count)
        }
        return size
    }

    @inlinable
    static func nullableSize(_ count: Int?) -> Int {
        guard let count else { return 1 }
        return varlongSize(Int64(count)) + count
    }

    static func writeHeader(_ header: RecordBatchHeader, into writer: inout ByteWriter) {
        writer.writeBigEndian(header.baseOffset)
        writer.writeBigEndian(header.batchLength)
        writer.writeBigEndian(header.partitionLeaderEpoch)
        writer.writeBigEndian(header.magic)
        writer.writeBigEndian(UInt32(0)) // CRC, patched once the rest is written
        writer.writeBigEndian(header.attributes)
        writer.writeBigEndian(header.lastOffsetDelta)
        writer.writeBigEndian(header.baseTimestamp)
        writer.writeBigEndian(header.maxTimestamp)
        writer.writeBigEndian(header.producerId)
        writer.writeBigEndian(header.producerEpoch)
        writer.writeBigEndian(header.baseSequence)
        writer.writeBigEndian(header.recordCount)
    }

    @inlinable
    static func writeRecord(_ record: ProducerRecord, bodySize: Int, offsetDelta: Int64, timestampDelta: Int64, into writer: inout ByteWriter) {
        writer.writeVarlong(Int64(bodySize))
        writer.writeBigEndian(UInt8(0))
        writer.writeVarlong(timestampDelta)
        writer.writeVarlong(offsetDelta)
        writeNullable(record.key, into: &writer)
        writeNullable(record.value, into: &writer)
        writer.writeVarlong(Int64(record.headers.count))
        for header in record.headers {
            var key = header.key
            key.withUTF8 { utf8 in
                writer.writeVarlong(Int64(utf8.count))
                writer.writeBytes(UnsafeRawBufferPointer(utf8))
            }
            writeNullable(header.value, into: &writer)
        }
    }

    @inlinable
    static func writeNullable(_ bytes: [UInt8]?, into writer: inout ByteWriter) {
        guard let bytes else {
            writer.writeVarlong(-1)
            return
        }
        writer.writeVarlong(Int64(bytes.count))
        bytes.withUnsafeBytes { writer.writeBytes($0) }
    }
}
