/// A transaction marker (the only record of a control batch): key = version int16 | type int16
/// (0 ABORT, 1 COMMIT); value = version int16 | coordinatorEpoch int32. All big-endian.
public struct ControlRecord: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Int16, Sendable { case abort = 0, commit = 1 }
    public var keyVersion: Int16
    public var kind: Kind
    public var coordinatorEpoch: Int32

    public init?(key: [UInt8]?, value: [UInt8]?) {
        guard let key, key.count >= 4, let kind = Kind(rawValue: Int16(bitPattern: UInt16(key[2]) << 8 | UInt16(key[3]))) else { return nil }
        keyVersion = Int16(bitPattern: UInt16(key[0]) << 8 | UInt16(key[1]))
        self.kind = kind
        if let value, value.count >= 6 {
            coordinatorEpoch = Int32(bitPattern: UInt32(value[2]) << 24 | UInt32(value[3]) << 16 | UInt32(value[4]) << 8 | UInt32(value[5]))
        } else {
            coordinatorEpoch = -1
        }
    }

    public var description: String {
        "\(kind == .commit ? "COMMIT" : "ABORT") (key version \(keyVersion)) coordinatorEpoch=\(coordinatorEpoch)"
    }
}
