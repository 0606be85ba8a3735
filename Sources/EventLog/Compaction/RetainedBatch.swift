// A data batch the cleaner keeps only some records of is written again, as Kafka's
// `MemoryRecords.filterTo` does: same base offset and last offset delta (so the batch still spans
// its original offsets and the offsets of the removed records become gaps), same producer id, epoch
// and base sequence, partition leader epoch, transactional flag and timestamp type; each kept record
// keeps its offset delta, timestamp, key, value and headers. Unlike Kafka, a compressed batch is
// written back uncompressed (this engine has no compressor); readers see the same records.
//
// Header bytes patched after encoding (big-endian, positions in the batch):
//   21-22 attributes  (timestamp type bit 3 of the original)
//   23-26 lastOffsetDelta (the original's)
//   35-42 maxTimestamp (the original's, for LogAppendTime batches, whose records carry it)
// then the CRC-32C (17-20) over attributes..end is computed again.
struct RetainedBatch {
    private var encoder = RecordBatchEncoder()

    /// The bytes of `original` holding only `records` (a non-empty subset, in offset order).
    mutating func encode(_ records: [ProducerRecord], offsets: [Int64], original: RecordBatchHeader) -> [UInt8] {
        precondition(!records.isEmpty && records.count == offsets.count)
        let producer = ProducerIdentity(producerId: original.producerId, producerEpoch: original.producerEpoch, baseSequence: original.baseSequence)
        encoder.encode(records, baseOffset: Offset(original.baseOffset), producer: producer,
                       partitionLeaderEpoch: original.partitionLeaderEpoch, isTransactional: original.isTransactional,
                       offsetDeltas: offsets.map { $0 - original.baseOffset })
        var bytes = encoder.buffer
        bytes.withUnsafeMutableBytes { raw in
            let attributes = Int16(bigEndian: raw.loadUnaligned(fromByteOffset: RecordBatchHeader.attributesPosition, as: Int16.self))
            raw.storeBytes(of: (attributes | (original.attributes & 0x08)).bigEndian, toByteOffset: RecordBatchHeader.attributesPosition, as: Int16.self)
            raw.storeBytes(of: original.lastOffsetDelta.bigEndian, toByteOffset: 23, as: Int32.self)
            if original.timestampType == .logAppendTime {
                raw.storeBytes(of: original.maxTimestamp.bigEndian, toByteOffset: 35, as: Int64.self)
            }
            let crc = RecordBatch.computeCRC(UnsafeRawBufferPointer(raw))
            raw.storeBytes(of: crc.bigEndian, toByteOffset: RecordBatchHeader.crcPosition, as: UInt32.self)
        }
        return bytes
    }
}
