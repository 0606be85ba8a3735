import EventLog
import Foundation
import Projections

/// `view --as-if-compacted`: the real fold next to the fold of what compaction would keep (the
/// engine writes a compacted copy into a scratch log, removed afterwards), and the rows that
/// differ. An event-sourced topic (deposits, withdrawals) loses history and its balances go wrong;
/// a changelog (each record the row's new state) folds the same.
extension ViewCommand {
    func runAsIfCompacted(_ eventLog: EventLog) throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("rewind-as-if-compacted-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let copyPath = scratch + "/log"
        let copy = try eventLog.writeCompactedCopy(of: topic, into: copyPath)
        let compactedLog = try EventLog.open(copyPath, mode: .readOnly, decompressor: Codecs.decompressor)
        defer { compactedLog.close() }
        let real = try openView(view, log: eventLog, topic: topic, decoding: decoding)
        try real.rewind(to: try position.target(log: eventLog, topic: topic))
        let compacted = try openView(view, log: compactedLog, topic: topic, decoding: decoding)
        try compacted.rewind(to: try position.target(log: compactedLog, topic: topic))
        let filter = { (row: ViewRow) in rows.map { row.key.contains($0) } ?? true }
        Output.standard.line("== real fold: \(real.progress.eventsApplied) events ==")
        printTable(real, real.rows().filter(filter))
        Output.standard.line("== as if compacted: \(compacted.progress.eventsApplied) events (latest record per key: \(copy.recordsKept) of \(copy.recordsRead) kept) ==")
        printTable(compacted, compacted.rows().filter(filter))
        let before = Dictionary(real.rows().filter(filter).map { ($0.key, $0.values.map(\.description)) }, uniquingKeysWith: { first, _ in first })
        let after = Dictionary(compacted.rows().filter(filter).map { ($0.key, $0.values.map(\.description)) }, uniquingKeysWith: { first, _ in first })
        let keys = Set(before.keys).union(after.keys).sorted()
        let changed = keys.filter { before[$0] != after[$0] }
        Output.standard.line(changed.isEmpty ? "== difference: none: compaction keeps this view's rows (a changelog) ==" :
            "== difference: \(changed.count) of \(keys.count) rows change: this topic is a stream of events, not a changelog; compaction would lose its history ==")
        let columns = real.columns.dropFirst()
        for key in changed {
            let old = before[key].map { zip(columns, $0).map { "\($0)=\($1)" }.joined(separator: " ") } ?? "(no row)"
            let new = after[key].map { zip(columns, $0).map { "\($0)=\($1)" }.joined(separator: " ") } ?? "(no row)"
            Output.standard.line("  \(key): real \(old)  compacted \(new)")
        }
    }
}
