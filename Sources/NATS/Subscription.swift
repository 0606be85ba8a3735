import Basics
import Glibc

/// Messages delivered to one SUB, queued for a blocking reader. The event loop appends; a reader
/// thread takes them with a timeout. Bounded: past `NATSLimits.pendingMessagesMax` the
/// subscription is marked a slow consumer and reads fail, instead of memory growing unseen.
public final class Subscription: @unchecked Sendable {
    public let subject: String
    public let sid: Int
    /// Push consumers with flow control need an empty reply to each flow-control message, sent
    /// as it arrives (from the event loop) so delivery never stalls behind a slow reader.
    let answersFlowControl: Bool
    private let lock = ConditionLock()
    private var queue: [NATSMessage] = []
    private var head = 0
    private var overflowed = false
    private var ended = false
    private var flowControlReplies = 0

    init(subject: String, sid: Int, answersFlowControl: Bool) {
        self.subject = subject
        self.sid = sid
        self.answersFlowControl = answersFlowControl
    }

    func deliver(_ message: NATSMessage) {
        lock.withLock {
            if queue.count - head >= NATSLimits.pendingMessagesMax {
                overflowed = true
            } else {
                queue.append(message)
            }
            lock.broadcast()
        }
    }

    /// Flow-control requests answered so far.
    public var flowControlAnswered: Int { lock.withLock { flowControlReplies } }

    func countFlowControlReply() { lock.withLock { flowControlReplies += 1 } }

    func end() {
        lock.withLock {
            ended = true
            lock.broadcast()
        }
    }

    /// The next message, or nil after `timeoutMs` without one.
    public func next(timeoutMs: Int) throws -> NATSMessage? {
        let deadline = MonotonicClock.milliseconds() + Int64(timeoutMs)
        return try lock.withLock {
            while true {
                if overflowed { throw NATSError(.protocolViolation, "slow consumer: more than \(NATSLimits.pendingMessagesMax) messages waiting on \(subject)") }
                if head < queue.count {
                    let message = queue[head]
                    head += 1
                    if head >= 4096 && head * 2 >= queue.count {
                        queue.removeFirst(head)
                        head = 0
                    }
                    return message
                }
                if ended { throw NATSError(.closed, "subscription to \(subject) ended") }
                let left = deadline - MonotonicClock.milliseconds()
                if left <= 0 { return nil }
                lock.wait(timeoutMs: Int(left))
            }
        }
    }
}

enum MonotonicClock {
    static func milliseconds() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Int64(time.tv_sec) * 1000 + Int64(time.tv_nsec) / 1_000_000
    }

    static func nanoseconds() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }
}
