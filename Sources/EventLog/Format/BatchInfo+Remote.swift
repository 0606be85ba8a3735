extension BatchInfo {
    /// Batch facts for a record that did not come from a segment (a remote source such as
    /// JetStream): one record, uncompressed, stamped by the server (LogAppendTime), no position.
    public static func remote(offset: Offset, sizeInBytes: Int) -> BatchInfo {
        BatchInfo(baseOffset: offset, lastOffset: offset, magic: 2, compression: .none, timestampType: .logAppendTime,
                  isTransactional: false, isControl: false, producerId: -1, producerEpoch: -1, baseSequence: -1,
                  partitionLeaderEpoch: -1, position: -1, sizeInBytes: sizeInBytes)
    }
}
