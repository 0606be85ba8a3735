/// Where the time of JetStream requests went, for benchmarks: each request (or pipelined group of
/// requests) with the time from writing it to having every reply (the wire: loopback, the server,
/// our event loop and the wake-up of the caller) and the time decoding the replies took. Filled
/// only while `JetStream.profile` is set; nothing is timed otherwise.
public final class RequestProfile: @unchecked Sendable {
    public struct Entry: Sendable {
        public var endpoint: String
        public var requests: Int
        public var wireMs: Double
        public var decodeMs: Double
    }

    public private(set) var entries: [Entry] = []

    public init() {}

    public func reset() { entries = [] }

    func record(_ endpoint: String, requests: Int, wireMs: Double, decodeMs: Double) {
        entries.append(Entry(endpoint: endpoint, requests: requests, wireMs: wireMs, decodeMs: decodeMs))
    }

    static func milliseconds(since start: Int64) -> Double {
        Double(MonotonicClock.nanoseconds() - start) / 1e6
    }
}
