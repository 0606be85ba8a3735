/// Reads a stream forward from a sequence through an ephemeral pull consumer (ack policy none,
/// deliver by_start_sequence): each `fetch` asks `$JS.API.CONSUMER.MSG.NEXT` for a batch and
/// collects the replies until the batch is full or the server ends it with a 404/408 status.
/// Status 100 (idle heartbeat) is skipped.
///
/// Failover: the consumer lives on one server. When a fetch gets nothing back in time, or the
/// consumer is gone, a new one is created at the next sequence wanted; messages older than that
/// (a redelivery by the new consumer) are dropped, so callers see each sequence once, in order.
public final class JetStreamReader {
    public let stream: String
    let jetStream: JetStream
    private var consumer: String?
    private var subscription: Subscription?
    /// The next sequence the caller will get.
    public private(set) var nextSequence: UInt64
    public private(set) var consumersCreated = 0

    public init(jetStream: JetStream, stream: String, from sequence: UInt64) {
        self.jetStream = jetStream
        self.stream = stream
        self.nextSequence = max(1, sequence)
    }

    deinit { close() }

    public func close() {
        if let consumer { jetStream.deleteConsumerQuietly(stream, consumer) }
        if let subscription { jetStream.connection.unsubscribe(subscription) }
        consumer = nil
        subscription = nil
    }

    /// Up to `maxMessages` messages from `nextSequence` on; waits up to `waitMs` for the first
    /// when none is stored yet (0: answer at once). Empty at the end of the stream.
    public func fetch(maxMessages: Int, waitMs: Int = 0) throws -> [JetStreamMessage] {
        precondition(maxMessages > 0)
        let batch = min(maxMessages, 10_000)
        for attempt in 0..<3 {
            if consumer == nil { try createConsumer() }
            guard let consumer, let subscription else { break }
            let sent = MonotonicClock.nanoseconds()
            var request = "{\"batch\":\(batch)"
            request += waitMs > 0 ? ",\"expires\":\(Int64(waitMs) * 1_000_000)}" : ",\"no_wait\":true}"
            try jetStream.connection.publish("\(JetStream.apiPrefix)CONSUMER.MSG.NEXT.\(stream).\(consumer)", payload: Array(request.utf8),
                                             replyTo: subscription.subject)
            var messages: [JetStreamMessage] = []
            var received = 0
            var ended = false
            // Between messages of one batch the server needs microseconds; 2 s of silence means
            // the consumer's server is gone.
            let silenceMs = waitMs + 2_000
            while received < batch, !ended {
                guard let message = try subscription.next(timeoutMs: silenceMs) else { break }
                if let status = message.status {
                    switch status {
                    case 100: continue
                    case 404, 408, 409: ended = true
                    default: ended = true
                    }
                    continue
                }
                received += 1
                guard let stored = JetStreamMessage(delivered: message) else { continue }
                if stored.sequence >= nextSequence {
                    messages.append(stored)
                    nextSequence = stored.sequence + 1
                }
            }
            jetStream.profile?.record("CONSUMER.MSG.NEXT", requests: 1, wireMs: RequestProfile.milliseconds(since: sent), decodeMs: 0)
            if ended || received == batch { return messages }
            if !messages.isEmpty { return messages }
            // Silence: recreate the consumer where we are (attempt 0 may just be an empty stream
            // with a long wait, which `ended` covers; silence is always a lost consumer).
            dropConsumer()
            if attempt == 2 { break }
        }
        return []
    }

    private func createConsumer() throws {
        let inbox = jetStream.connection.newInbox()
        let subscription = try jetStream.connection.subscribe(inbox)
        var config = ConsumerConfig()
        config.deliverPolicy = "by_start_sequence"
        config.optStartSeq = nextSequence
        config.ackPolicy = "none"
        config.inactiveThreshold = 30_000_000_000
        config.memStorage = true
        config.numReplicas = 1
        do {
            let info = try jetStream.createConsumer(stream, config)
            consumer = info.name
            self.subscription = subscription
            consumersCreated += 1
        } catch {
            jetStream.connection.unsubscribe(subscription)
            throw error
        }
    }

    private func dropConsumer() {
        close()
    }
}
