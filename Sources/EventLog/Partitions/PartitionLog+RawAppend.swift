/// Appends and reads of whole batches as bytes: what a Kafka broker does for Produce and Fetch.
///
/// A produced batch is stored exactly as the client sent it (compression, producer id, epoch and
/// sequence, transactional flag, timestamps), except for two fields the CRC does not cover and the
/// broker owns: baseOffset (bytes 0–7), assigned here, and partitionLeaderEpoch (bytes 12–15), set
/// to 0, the only leader epoch this single-node log has.
///
/// A batch is accepted when: it is one complete v2 batch no larger than Limits.batchBytesMax, its
/// CRC-32C matches, it holds at least one record, and its records (decompressed when needed) parse
/// to exactly recordCount records whose offset deltas run 0, 1, …, lastOffsetDelta. Anything else is
/// refused with `.corruptBatch` and nothing is written.
extension PartitionLog {
    /// Validates `bytes` (one batch), assigns its base offset and appends it. With `durable`,
    /// returns after the group commit made it durable.
    @discardableResult
    public func appendBatch(_ bytes: [UInt8], durable: Bool = false) throws -> AppendResult {
        var batch = bytes
        let header = try validateProduced(batch)
        lock.lock()
        defer { lock.unlock() }
        let active = try activeWriterLocked()
        let baseOffset = try active.segment.endOffset
        var stored = header
        stored.baseOffset = baseOffset
        stored.partitionLeaderEpoch = 0
        batch.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: baseOffset.bigEndian, toByteOffset: 0, as: Int64.self)
            raw.storeBytes(of: Int32(0).bigEndian, toByteOffset: 12, as: Int32.self)
        }
        try batch.withUnsafeBytes { try write($0, header: stored, to: active, durable: durable) }
        return AppendResult(topicPartition: topicPartition, firstOffset: Offset(baseOffset), lastOffset: Offset(stored.lastOffset))
    }

    /// The checks above, outside the lock: decompression must not hold up other appenders.
    private func validateProduced(_ bytes: [UInt8]) throws -> RecordBatchHeader {
        guard bytes.count <= Limits.batchBytesMax else {
            throw EventLogError(.invalidArgument, "batch of \(bytes.count) bytes exceeds the \(Limits.batchBytesMax)-byte limit")
        }
        return try bytes.withUnsafeBytes { raw in
            let header: RecordBatchHeader
            do {
                header = try RecordBatch.validate(raw)
            } catch {
                throw EventLogError(.corruptBatch, "produced batch is invalid: \(error)")
            }
            guard header.recordCount > 0, header.lastOffsetDelta == header.recordCount - 1 else {
                throw EventLogError(.corruptBatch, "produced batch claims \(header.recordCount) records but a last offset delta of \(header.lastOffsetDelta)")
            }
            var decoder = BatchDecoder(decompressor: decompressor)
            var expected: Int64 = 0
            var inOrder = true
            // Offsets relative to baseOffset 0 as the client sent it: record i must have delta i.
            _ = try decoder.forEachRecord(raw, path: "produce request", position: 0) { record, _ in
                inOrder = record.offset.rawValue - header.baseOffset == expected
                expected += 1
                return inOrder
            }
            guard inOrder, expected == Int64(header.recordCount) else {
                throw EventLogError(.corruptBatch, "produced batch's record offset deltas are not 0…\(header.lastOffsetDelta)")
            }
            return header
        }
    }

    /// Copies whole batches into `output`, starting with the batch that holds `offset` (a Kafka
    /// client skips the records before its offset) and stopping once `maxBytes` is reached, but
    /// always at least one batch, so a batch larger than the limit still makes progress. Returns the
    /// number of batches copied (0 when `offset` is at or past the end).
    @discardableResult
    public func readBatches(from offset: Offset, maxBytes: Int, into output: inout [UInt8]) throws -> Int {
        let segments = segmentSnapshot()
        var index = segments.lastIndex { $0.baseOffset <= offset.rawValue } ?? 0
        var copied = 0
        var budget = maxBytes
        while index < segments.count {
            let more = try copyBatches(of: segments[index], from: offset.rawValue, budget: &budget, copied: &copied, into: &output)
            if !more { break }
            index += 1
        }
        return copied
    }

    /// One segment's part of `readBatches`. Returns false once the byte budget is spent.
    private func copyBatches(of segment: Segment, from offset: Int64, budget: inout Int, copied: inout Int, into output: inout [UInt8]) throws -> Bool {
        let state = try segment.prepared()
        guard state.endOffset > offset else { return true }
        let map = try segment.bytes()
        let bytes = UnsafeRawBufferPointer(rebasing: map.bytes[..<min(state.validBytes, map.count)])
        var position = offset > segment.baseOffset
            ? state.builder.index.position(forRelativeOffset: UInt32(clamping: offset - segment.baseOffset)) : 0
        if position > 0, !startsAtOrBefore(offset, bytes: bytes, position: position) { position = 0 }
        while position < bytes.count {
            let header = try RecordBatchHeader(parsingPrefixAt: position, of: bytes, path: segment.logPath)
            let end = position + header.totalSize
            defer { position = end }
            guard header.lastOffset >= offset else { continue }
            if copied > 0 && header.totalSize > budget { return false }
            output.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[position..<end]))
            copied += 1
            budget -= header.totalSize
            if budget <= 0 { return false }
        }
        return true
    }
}
