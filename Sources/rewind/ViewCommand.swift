import ArgumentParser
import Decoding
import EventLog
import Payloads
import Projections

/// How a view command picks the point in time.
struct ViewPositionOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "The view as of this time (ISO-8601, -15m, yesterday 14:00, epoch ms).") var at: String?
    @Option(help: "The view as of this event: OFFSET (one-partition topic) or PARTITION:OFFSET.") var offset: String?

    func validate() throws {
        if at != nil && offset != nil { throw ValidationError("use --at or --offset, not both") }
    }

    func target(log: LogSource, topic: String) throws -> FoldTarget {
        if let at { return .time(try TimeExpression.parse(at, now: WallClock.now())) }
        guard let offset else { return .end }
        return try Self.eventTarget(offset, option: "--offset", log: log, topic: topic)
    }

    /// The event at OFFSET (one-partition topic) or PARTITION:OFFSET, as a fold target.
    static func eventTarget(_ offset: String, option: String, log: LogSource, topic: String) throws -> FoldTarget {
        let parts = offset.split(separator: ":")
        let partitions = try log.partitionNumbers(of: topic)
        let partitionNumber: Int32
        let offsetText: Substring
        if parts.count == 2, let number = Int32(parts[0]) {
            partitionNumber = number
            offsetText = parts[1]
        } else if parts.count == 1 {
            guard partitions.count == 1 else {
                throw CommandFailure(message: "topic '\(topic)' has \(partitions.count) partitions: use \(option) PARTITION:OFFSET")
            }
            partitionNumber = 0
            offsetText = parts[0]
        } else {
            throw CommandFailure(message: "\(option) '\(offset)': expected OFFSET or PARTITION:OFFSET")
        }
        guard let value = Int64(offsetText), partitions.contains(partitionNumber) else {
            throw CommandFailure(message: "\(option) '\(offset)': no such partition or not a number")
        }
        let partition = TopicPartition(topic: topic, partition: partitionNumber)
        guard let record = try log.read(partition, from: Offset(value), maxRecords: 1).first, record.offset.rawValue == value else {
            throw EventLogError(.offsetOutOfRange, "no event at offset \(value) of \(partition) (range \(try log.startOffset(of: partition))..<\(try log.endOffset(of: partition)))")
        }
        return .event(MergeKey(timestamp: record.timestamp.milliseconds, partition: partitionNumber, offset: value))
    }
}

func openView(_ name: String, log: LogSource, topic: String, decoding: DecodeOptions) throws -> MaterializedView {
    do {
        return try ViewCatalog.open(name, log: log, topic: topic, snapshots: SnapshotStore(source: log),
                                    decoder: try decoding.decoders(for: log)?.value, steppingBack: false)
    } catch let error as ViewSpecError {
        throw CommandFailure(message: "\(error) (built-in views: \(ViewCatalog.builtInNames.joined(separator: ", ")))")
    }
}

struct ViewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "view",
        abstract: "A materialized view of a topic, now or as of a time or event.",
        discussion: """
        NAME is a built-in view (balances, ratings, search, table) or a one-line spec, e.g.
          rewind view 'sum(amount) by account negate when type = "withdrawal"' payments
          rewind view 'count by type' payments --at -1d
        `table` is the latest value per key (tombstones delete; JSON fields become columns; Debezium
        change events fold as their source table).
        Snapshots (every --snapshot-every events) go to a cache outside the log, so rewinds are fast
        and a read-only log is never written.
        """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json, csv }

    @OptionGroup var log: LogDirectoryOption
    @Argument(help: "View name or spec.") var view: String
    @Argument(help: "Topic to fold.") var topic: String
    @OptionGroup var position: ViewPositionOptions
    @Option(help: "table, json or csv.") var format: Format = .table
    @Option(help: "Only rows whose key contains this text.") var rows: String?
    @OptionGroup var decoding: DecodeOptions
    @Flag(help: "Also fold what a compacted copy of the topic would keep (latest record per key) and show the difference.") var asIfCompacted = false

    func run() throws {
        // A compacted copy is written by the engine: only the embedded log can be compacted.
        if asIfCompacted { return try runAsIfCompacted(try log.openForReading()) }
        let source = try log.openSource()
        defer { source.close() }
        let materialized = try openView(view, log: source, topic: topic, decoding: decoding)
        try materialized.rewind(to: try position.target(log: source, topic: topic))
        if source.canCommitGroups, position.at == nil, position.offset == nil { try? materialized.commitPosition() }
        let selected = materialized.rows().filter { row in rows.map { row.key.contains($0) } ?? true }
        switch format {
        case .table: printTable(materialized, selected)
        case .json: for row in selected { Output.standard.write(jsonLine(materialized.columns, row)) }
        case .csv:
            Output.standard.line(materialized.columns.map(csvField).joined(separator: ","))
            for row in selected { Output.standard.line(([row.key] + row.values.map(\.description)).map(csvField).joined(separator: ",")) }
        }
        let progress = materialized.progress
        var summary = (materialized.caption.map { $0 + "; " } ?? "") + "\(progress.eventsApplied) events folded"
        if progress.duplicatesSkipped > 0 { summary += ", \(progress.duplicatesSkipped) duplicates skipped (event-id)" }
        for gap in progress.gaps { summary += "; gap: \(gap)" }
        Output.note(summary)
    }

    func printTable(_ view: MaterializedView, _ rows: [ViewRow]) {
        let header = view.columns
        let cells = rows.map { [$0.key] + $0.values.map(\.description) }
        var widths = header.map(\.count)
        for row in cells { for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) } }
        func line(_ values: [String]) -> String {
            values.enumerated().map { index, value in
                let pad = String(repeating: " ", count: max(0, widths[index] - value.count))
                return index == 0 ? value + pad : pad + value
            }.joined(separator: "  ")
        }
        Output.standard.line(line(header))
        for row in cells { Output.standard.line(line(row)) }
    }

    private func jsonLine(_ columns: [String], _ row: ViewRow) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "{")]
        for (index, column) in columns.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            JSONText.appendString(column, to: &out)
            out.append(UInt8(ascii: ":"))
            if index == 0 { JSONText.appendString(row.key, to: &out); continue }
            ViewValueJSON.append(index - 1 < row.values.count ? row.values[index - 1] : .null, to: &out)
        }
        JSONText.append("}\n", to: &out)
        return out
    }

    private func csvField(_ text: String) -> String {
        text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + text.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\"" : text
    }
}

struct LineageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lineage",
        abstract: "Every event that made a view's row what it is, with the row before and after, and who produced it.")

    @OptionGroup var log: LogDirectoryOption
    @Argument(help: "View name or spec.") var view: String
    @Argument(help: "Topic to fold.") var topic: String
    @Argument(help: "Row key, e.g. an account.") var row: String
    @OptionGroup var position: ViewPositionOptions
    @OptionGroup var decoding: DecodeOptions

    func run() throws {
        let source = try log.openSource()
        defer { source.close() }
        let materialized = try openView(view, log: source, topic: topic, decoding: decoding)
        let entries = try materialized.lineage(of: row, to: try position.target(log: source, topic: topic))
        guard !entries.isEmpty else { throw EventLogError(.notFound, "no event changed row '\(row)' of view \(view) on \(topic)") }
        // A table's row is many fields: show them all, not only the first.
        let wholeRows = materialized.viewID.hasPrefix(TableProjection.name)
        func describe(_ row: ViewRow?, _ entry: LineageEntry?) -> String { LineageEntry.text(of: row, columns: entry?.columns ?? [], wholeRow: wholeRows) }
        for entry in entries {
            let before = describe(entry.before, entry)
            let after = describe(entry.after, entry)
            let delta = entry.delta.map { $0 >= 0 ? "+" + ViewValue.double($0).description : ViewValue.double($0).description } ?? ""
            let who = entry.headers.map { "\($0.key)=\($0.value.map { String(decoding: $0, as: UTF8.self) } ?? "null")" }.joined(separator: " ")
            let mark = entry.duplicate ? "  DUPLICATE (skipped)" : ""
            let change = entry.change.map { $0 + "  " } ?? ""
            Output.standard.line("\(TimeFormat.iso(Timestamp(milliseconds: entry.event.timestamp)))  p\(entry.event.partition)@\(entry.event.offset)  \(change)\(before) → \(after)  \(wholeRows ? "" : delta)\(mark)  key=\(entry.key ?? "null") \(who)  \(entry.value)")
        }
        Output.standard.line("\(entries.count) events; \(row) is \(wholeRows ? describe(entries.last?.after, entries.last) : entries.last?.after?.values.first?.description ?? "-")")
    }
}
