import Decoding
import EventLog

extension ViewCatalog {
    /// The name that means "the view that fits the topic": what the explorer shows unless told.
    public static let automaticName = "auto"
    /// Events sampled from the start of a topic to pick its view: enough to see past a few
    /// odd events, few enough that switching topics in the explorer stays instant (~0.1 ms).
    static let fitSampleEvents = 64

    /// The built-in view whose event shapes the topic's first events have: `balances` when most
    /// change an account, `ratings` when most change a restaurant's rating, else `table` (the
    /// latest value per key fits any topic).
    public static func fitting(log: EventLog, topic: String, decoder: ValueDecoder? = nil) throws -> String {
        for name in ["balances", "ratings"] {
            let view = try open(name, log: log, topic: topic, snapshots: nil, snapshotEveryEvents: 0, decoder: decoder)
            var sampled = 0, changing = 0
            while sampled < fitSampleEvents, let step = try view.step() {
                sampled += 1
                if !step.changed.keys.isEmpty || step.duplicate { changing += 1 }
            }
            if sampled > 0, changing * 2 > sampled { return name }
        }
        return TableProjection.name
    }
}
