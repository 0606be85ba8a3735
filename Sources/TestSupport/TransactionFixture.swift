import EventLog

/// A captured-style partition dir (`payments-0/`, no Rewind metadata) with interleaved transactions:
///
///   0-1  plain deposits A +10, A +10
///   2-3  producer 7, transactional: A +100, B +50      ← aborted (marker at 5)
///   4    producer 8, transactional: B +5               ← committed (marker at 6)
///   5    ABORT marker of producer 7
///   6    COMMIT marker of producer 8
///   7    producer 7, transactional: A +1               ← committed (marker at 8)
///   8    COMMIT marker of producer 7
///
/// Committed balances: A 21, B 5. Producer 8's batch sits inside producer 7's aborted span, so a
/// reader must match producers, not just offsets.
public enum TransactionFixture {
    public static func write(into directory: String) throws -> String {
        let partition = directory + "/payments-0"
        try FileSystem.createDirectories(partition)
        var bytes: [UInt8] = []
        var encoder = RecordBatchEncoder()
        func deposit(_ account: String, _ amount: Int, at offset: Int) -> ProducerRecord {
            ProducerRecord(key: Array(account.utf8), value: Array(#"{"type":"deposit","account":"\#(account)","amount":\#(amount)}"#.utf8),
                           timestamp: Timestamp(milliseconds: 1_700_000_000_000 + Int64(offset) * 1000))
        }
        func marker(_ commit: Bool, at offset: Int) -> ProducerRecord {
            ProducerRecord(key: [0, 0, 0, commit ? 1 : 0], value: [0, 0, 0, 0, 0, 3], timestamp: Timestamp(milliseconds: 1_700_000_000_000 + Int64(offset) * 1000))
        }
        func producer(_ id: Int64) -> ProducerIdentity { ProducerIdentity(producerId: id, producerEpoch: 0, baseSequence: 0) }
        let batches: [(records: [ProducerRecord], offset: Int64, producer: ProducerIdentity, transactional: Bool, control: Bool)] = [
            ([deposit("A", 10, at: 0), deposit("A", 10, at: 1)], 0, .none, false, false),
            ([deposit("A", 100, at: 2), deposit("B", 50, at: 3)], 2, producer(7), true, false),
            ([deposit("B", 5, at: 4)], 4, producer(8), true, false),
            ([marker(false, at: 5)], 5, producer(7), true, true),
            ([marker(true, at: 6)], 6, producer(8), true, true),
            ([deposit("A", 1, at: 7)], 7, producer(7), true, false),
            ([marker(true, at: 8)], 8, producer(7), true, true),
        ]
        for batch in batches {
            encoder.encode(batch.records, baseOffset: Offset(batch.offset), producer: batch.producer,
                           isTransactional: batch.transactional, isControl: batch.control)
            bytes += encoder.buffer
        }
        try SystemFile(path: partition + "/00000000000000000000.log", mode: .createOrTruncate).write(bytes, at: 0)
        return partition
    }
}
