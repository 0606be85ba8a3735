/// Kafka's default partitioner for keyed records: `toPositive(murmur2(key)) % partitions`, so a key
/// lands in the partition a Kafka producer would have chosen. Keyless records are spread round-robin.
public struct Partitioner: Sendable {
    public init() {}

    public func partition(forKey key: [UInt8], partitions: Int32) -> Int32 {
        precondition(partitions > 0)
        return Int32((Self.murmur2(key) & 0x7FFF_FFFF) % UInt32(partitions))
    }

    /// Kafka's `Utils.murmur2`: 32-bit MurmurHash2 with seed 0x9747b28c, reading little-endian words.
    public static func murmur2(_ data: [UInt8]) -> UInt32 {
        let m: UInt32 = 0x5bd1_e995
        let r: UInt32 = 24
        let length = data.count
        var h: UInt32 = 0x9747_b28c ^ UInt32(truncatingIfNeeded: length)
        let wordCount = length / 4
        for i in 0..<wordCount {
            let j = i * 4
            var k = UInt32(data[j]) | UInt32(data[j + 1]) << 8 | UInt32(data[j + 2]) << 16 | UInt32(data[j + 3]) << 24
            k = k &* m
            k ^= k >> r
            k = k &* m
            h = h &* m
            h ^= k
        }
        let tail = wordCount * 4
        switch length % 4 {
        case 3:
            h ^= UInt32(data[tail + 2]) << 16
            h ^= UInt32(data[tail + 1]) << 8
            h ^= UInt32(data[tail])
            h = h &* m
        case 2:
            h ^= UInt32(data[tail + 1]) << 8
            h ^= UInt32(data[tail])
            h = h &* m
        case 1:
            h ^= UInt32(data[tail])
            h = h &* m
        default:
            break
        }
        h ^= h >> 13
        h = h &* m
        h ^= h >> 15
        return h
    }
}
