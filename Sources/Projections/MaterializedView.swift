import Decoding
import EventLog

/// A running view without its state type: what the CLI and the explorer hold.
public protocol MaterializedView: AnyObject {
    var viewID: String { get }
    var topic: String { get }
    var columns: [String] { get }
    /// What the rows are, when the view says (nil for most views).
    var caption: String? { get }
    var progress: ViewProgress { get }
    func rows() -> [ViewRow]
    func row(_ key: String) -> ViewRow?
    @discardableResult func run(to target: FoldTarget, maxEvents: Int64) throws -> Int64
    func step() throws -> (event: MergeKey, changed: RowChange, duplicate: Bool)?
    func rewind(to target: FoldTarget) throws
    func rewind(to target: FoldTarget, maxEvents: Int64) throws -> Bool
    func reset() throws
    func lag() throws -> [Int32: Int64]
    func lineage(of rowKey: String, to target: FoldTarget) throws -> [LineageEntry]
    func commitPosition() throws
}

extension ViewRunner: MaterializedView {
    public var viewID: String { projection.id }
    public var columns: [String] { projection.columns(of: state) }
    public var caption: String? { projection.caption(of: state) }
}

/// The built-in views by name, or a spec.
public enum ViewCatalog {
    public static let builtInNames = ["balances", "ratings", "search", TableProjection.name]

    /// `name` is a built-in view or a one-line spec. With a `decoder` that may transform values
    /// (Avro, Protobuf), the view folds decoded values. `steppingBack` keeps in-memory checkpoints
    /// for a view that moves back and forth (the explorer); a one-shot fold (`rewind view`) needs
    /// none, and with a big state each one is a copy of it. A one-shot fold also reads ahead on
    /// the other core (`ViewRunner.readsAhead`).
    public static func open(_ name: String, log: LogSource, topic: String, snapshots: SnapshotStore?,
                            snapshotEveryEvents: Int64 = 100_000, clock: @escaping () -> Double = { 0 },
                            decoder: ValueDecoder? = nil, steppingBack: Bool = true) throws -> MaterializedView {
        func runner<P: Projection>(_ projection: P) throws -> MaterializedView {
            func configured<Q: Projection>(_ runner: ViewRunner<Q>) -> ViewRunner<Q> {
                if !steppingBack {
                    runner.checkpointEveryEvents = 0
                    runner.readsAhead = true
                }
                return runner
            }
            if let decoder, decoder.mayTransform {
                return configured(try ViewRunner(log: log, topic: topic, projection: DecodedProjection(projection, decoder: decoder), snapshots: snapshots,
                                                 snapshotEveryEvents: snapshotEveryEvents, clock: clock))
            }
            return configured(try ViewRunner(log: log, topic: topic, projection: projection, snapshots: snapshots,
                                             snapshotEveryEvents: snapshotEveryEvents, clock: clock))
        }
        switch name {
        case "balances": return try runner(BalancesProjection())
        case "ratings": return try runner(RatingsProjection())
        case "search": return try runner(SearchIndexProjection())
        case TableProjection.name: return try runner(TableProjection())
        default:
            let spec = try ViewSpec.parse(name)
            // `latest(*) by key` is the table view under another name: same fold, same snapshots.
            return spec.isTable ? try runner(TableProjection()) : try runner(SpecProjection(spec))
        }
    }
}
