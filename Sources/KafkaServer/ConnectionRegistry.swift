import EventLog
import NIOCore

/// The open connections, so shutdown can drain their queues and close them, and the status line
/// can count them.
final class ConnectionRegistry: @unchecked Sendable {
    private let lock = ConditionLock()
    private var open: [Int: (handler: KafkaConnectionHandler, channel: Channel)] = [:]
    private var nextId = 0

    func makeId() -> Int {
        lock.withLock {
            nextId += 1
            return nextId
        }
    }

    func opened(_ handler: KafkaConnectionHandler, channel: Channel) {
        lock.withLock { open[handler.client.connectionId] = (handler, channel) }
    }

    func closed(_ handler: KafkaConnectionHandler) {
        lock.withLock { _ = open.removeValue(forKey: handler.client.connectionId) }
    }

    var count: Int { lock.withLock { open.count } }

    var all: [(handler: KafkaConnectionHandler, channel: Channel)] { lock.withLock { Array(open.values) } }
}
