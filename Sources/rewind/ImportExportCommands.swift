import Decoding
import ArgumentParser
import EventLog
import Glibc
import Interop
import LogSources

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Create a topic from captured events: kcat -J output, JSON Lines or CSV (detected when not given).",
        discussion: """
        All or nothing: the topic is written aside and moved into place when complete, so a failed
        import (a bad line, a full disk, a crash) leaves the log as it was. kcat envelopes keep their
        partitions, offsets, timestamps and headers.
        """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case kcat, jsonl, csv }

    @OptionGroup var log: LogDirectoryOption
    @Argument(help: "File to read, or - for standard input.") var file: String
    @Option(help: "New topic to create.") var topic: String
    @Option(help: "kcat, jsonl or csv (default: detected).") var format: Format?
    @Option(help: "Take each event's key from this field (jsonl, csv).") var key: String?
    @Option(help: "Take each event's time from this field: epoch s/ms/µs or ISO-8601 (jsonl, csv).") var time: String?
    @Option(help: "Partitions of the new topic (default: kcat's own, else 1).") var partitions: Int32?
    @Flag(help: "Skip bad lines and report them, instead of stopping at the first.") var skipBad = false

    func run() throws {
        if LogSourceFactory.scheme(of: file) != nil { return try importFromSource() }
        let descriptor = file == "-" ? 0 : open(file, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw CommandFailure(message: "cannot open \(file): \(String(cString: strerror(errno)))") }
        defer { if descriptor != 0 { close(descriptor) } }
        let total = file == "-" ? nil : try? FileSystem.fileSize(file)
        let reader = LineReader(descriptor: descriptor, name: file == "-" ? "stdin" : file)
        let eventLog = try log.openForWriting()
        defer { eventLog.close() }
        let options = ImportOptions(format: format.flatMap { ImportFormat(rawValue: $0.rawValue) }, keyField: key, timeField: time,
                                    partitions: partitions, skipBad: skipBad, now: WallClock.now())
        let bar = ProgressBar(totalBytes: total, enabled: isatty(2) == 1)
        let report = try Importer.importStream(name: file == "-" ? "stdin" : file, into: eventLog, topic: topic, options: options,
                                               progress: { bar.update(bytes: reader.bytesRead, events: $0) }, nextLine: reader.nextLine)
        bar.finish()
        Output.standard.line("imported \(report.imported) events into \(topic) (\(report.partitions) partition\(report.partitions == 1 ? "" : "s"), \(report.format.rawValue))")
        if !report.badLines.isEmpty {
            let first = report.badLines.prefix(5).map { "line \($0.0): \($0.1)" }.joined(separator: "; ")
            Output.standard.line("skipped \(report.badLines.count) bad line\(report.badLines.count == 1 ? "" : "s"): \(first)\(report.badLines.count > 5 ? "; …" : "")")
        }
    }
}

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a topic's events as JSON Lines (the consume envelope), kcat -J envelopes or CSV.",
        discussion: "--from is inclusive, --to exclusive; each is an offset (every partition) or a time. Partitions follow one another in offset order.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case jsonl, kcat, csv }

    @OptionGroup var log: LogDirectoryOption
    @Argument(help: "Topic to export.") var topic: String
    @Option(help: "jsonl, kcat or csv.") var format: Format = .jsonl
    @Option(parsing: .unconditional, help: "Start: an offset or a time.") var from: String?
    @Option(parsing: .unconditional, help: "Stop before: an offset or a time.") var to: String?
    @OptionGroup var decoding: DecodeOptions

    func run() throws {
        let source = try log.openSource()
        defer { source.close() }
        // Decoded values in jsonl only: kcat and CSV exports are for re-import, byte for byte.
        let decoders = format == .jsonl ? try decoding.decoders(for: source) : nil
        let count = try Exporter.export(source, topic: topic, format: ExportFormat(rawValue: format.rawValue)!,
                                        from: try bound(from), to: try bound(to), decoders: decoders) { Output.standard.write($0) }
        Output.note("exported \(count) events")
    }

    private func bound(_ text: String?) throws -> ExportBound? {
        guard let text else { return nil }
        if let offset = Int64(text), offset < 100_000_000_000 { return .offset(offset) }
        return .time(try TimeExpression.parse(text, now: WallClock.now()))
    }
}
