import ArgumentParser
import EventLog
import Payloads
import Projections

struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "The rows of a view added, removed or changed between two times or events, with before and after.",
        discussion: """
        --from and --to take a time (as --at: ISO-8601, -15m, yesterday 14:00, epoch ms) or an event:
        OFFSET on a one-partition topic, or PARTITION:OFFSET. A bare number below 10^11 is an offset,
        above it epoch milliseconds; a clock time is written `today 14:00` (14:00 alone reads as
        partition 14, offset 0). Snapshots make a diff of two far times two restores and two short replays.
          rewind diff balances payments --from yesterday --to now
          rewind diff table monolith.bank.customers --from '-2d' --to '-1d' --format json
        """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json }

    @OptionGroup var log: LogDirectoryOption
    @Argument(help: "View name or spec.") var view: String
    @Argument(help: "Topic to fold.") var topic: String
    @Option(parsing: .unconditional, help: "The earlier position: TIME or [PARTITION:]OFFSET.") var from: String
    @Option(parsing: .unconditional, help: "The later position: TIME or [PARTITION:]OFFSET.") var to: String
    @Option(help: "table or json (one object per changed row).") var format: Format = .table
    @OptionGroup var decoding: DecodeOptions

    func run() throws {
        let source = try log.openSource()
        defer { source.close() }
        let materialized = try openView(view, log: source, topic: topic, decoding: decoding)
        let diffs = try ViewDiff.between(materialized, from: try position(from, option: "--from", log: source),
                                         to: try position(to, option: "--to", log: source))
        switch format {
        case .table:
            for diff in diffs { Output.standard.line(tableLine(diff)) }
        case .json:
            for diff in diffs { Output.standard.write(jsonLine(diff)) }
        }
        let counts = [RowDiff.Change.added, .removed, .changed].map { change in "\(diffs.filter { $0.change == change }.count) \(change.rawValue)" }
        Output.note("\(counts.joined(separator: ", ")) between \(from) and \(to)")
    }

    /// A bare number is an offset below 10^11 (no partition holds that many events) and epoch
    /// milliseconds above (1973 onwards); N:M is a partition and offset; the rest is a time.
    private func position(_ text: String, option: String, log: LogSource) throws -> FoldTarget {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        let isNumber = { (part: Substring) in !part.isEmpty && part.allSatisfy { $0.isASCII && $0.isNumber } }
        if parts.count == 1, isNumber(parts[0]), let value = Int64(parts[0]), value < 100_000_000_000 {
            return try ViewPositionOptions.eventTarget(text, option: option, log: log, topic: topic)
        }
        if parts.count == 2, isNumber(parts[0]), isNumber(parts[1]) {
            return try ViewPositionOptions.eventTarget(text, option: option, log: log, topic: topic)
        }
        do {
            return .time(try TimeExpression.parse(text, now: WallClock.now()))
        } catch {
            throw CommandFailure(message: "\(option) '\(text)': not a time or [PARTITION:]OFFSET (\(error))")
        }
    }

    private func tableLine(_ diff: RowDiff) -> String {
        let change = diff.change.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)
        switch diff.change {
        case .added: return "\(change) \(diff.key)  \(Self.text(diff.after))"
        case .removed: return "\(change) \(diff.key)  \(Self.text(diff.before))"
        case .changed:
            let fields = diff.changedFields.map { field in
                let delta = field.delta.map { $0 >= 0 ? " (+\(ViewValue.double($0)))" : " (\(ViewValue.double($0)))" } ?? ""
                return "\(field.name): \(field.before) → \(field.after)\(delta)"
            }
            return "\(change) \(diff.key)  \(fields.joined(separator: ", "))"
        }
    }

    private static func text(_ fields: [RowDiff.Field]?) -> String {
        "{" + (fields ?? []).map { "\($0.name): \($0.value)" }.joined(separator: ", ") + "}"
    }

    private func jsonLine(_ diff: RowDiff) -> [UInt8] {
        var out: [UInt8] = Array(#"{"row":"#.utf8)
        JSONText.appendString(diff.key, to: &out)
        JSONText.append(#","change":"\#(diff.change.rawValue)","before":"#, to: &out)
        Self.appendObject(diff.before, to: &out)
        JSONText.append(#","after":"#, to: &out)
        Self.appendObject(diff.after, to: &out)
        JSONText.append("}\n", to: &out)
        return out
    }

    private static func appendObject(_ fields: [RowDiff.Field]?, to out: inout [UInt8]) {
        guard let fields else { return JSONText.append("null", to: &out) }
        out.append(UInt8(ascii: "{"))
        for (index, field) in fields.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            JSONText.appendString(field.name, to: &out)
            out.append(UInt8(ascii: ":"))
            ViewValueJSON.append(field.value, to: &out)
        }
        out.append(UInt8(ascii: "}"))
    }
}

/// A cell as JSON, as `view --format json` writes it.
enum ViewValueJSON {
    static func append(_ value: ViewValue, to out: inout [UInt8]) {
        switch value {
        case let .int(number): JSONText.append(String(number), to: &out)
        case let .double(number): JSONText.append(number.isFinite ? String(number) : "null", to: &out)
        case let .text(text): JSONText.appendString(text, to: &out)
        case let .json(text): JSONText.append(text, to: &out)
        case .null: JSONText.append("null", to: &out)
        }
    }
}
