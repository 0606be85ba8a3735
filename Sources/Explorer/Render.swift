import EventLog
import Projections

extension Explorer {
    /// The whole frame for `state` at `width`×`height`: pure, total and deterministic (no I/O, no
    /// clock, our own character widths). Works at any size, 0×0 included.
    public static func render(_ state: ExplorerState, width: Int, height: Int) -> Screen {
        var screen = Screen(width: width, height: height)
        let layout = Layout(width: width, height: height, dock: lessonBoxHeight(state, width: width, height: height))
        // The pane the open lesson is about stands out until its goal is met.
        let tourPane: ExplorerState.Pane? = state.lessons.isOpen && !state.lessons.currentIsDone ? state.lessons.current?.pane : nil
        drawHeader(state, layout.header, &screen)
        drawTimeline(state, layout.timeline, &screen)
        drawTopics(state, layout.topics, focused: state.focus == .topics, highlighted: tourPane == .topics, &screen)
        drawEvents(state, layout.events, focused: state.focus == .events, highlighted: tourPane == .events, &screen)
        drawView(state, layout.view, focused: state.focus == .view, highlighted: tourPane == .view, &screen)
        drawStatus(state, layout.status, &screen)
        drawLesson(state, layout.dock, &screen)
        switch state.overlay {
        case .none: break
        case .help: drawHelp(state, &screen)
        case .detail: drawDetail(state, &screen)
        case .lineage: drawLineage(state, &screen)
        }
        return screen
    }

    // MARK: Bars

    static func drawHeader(_ state: ExplorerState, _ rect: Rect, _ screen: inout Screen) {
        guard !rect.isEmpty else { return }
        screen.fill(column: 0, row: rect.y, width: rect.width, height: 1, style: .title)
        var text = " rewind "
        if let topic = state.currentTopic, let partition = state.currentPartition {
            text += " \(topic.name)-\(partition.partition)  offset \(state.cursor) of \(partition.startOffset)..<\(partition.endOffset)"
        }
        if state.isLive { text += state.follow ? "  ● LIVE (following)" : "  ● LIVE" }
        if state.isReadOnly { text += "  read-only" }
        if let partition = state.currentPartition { text += "  " + integrityText(partition.integrity) }
        let right = state.logLabel + " "
        screen.put(text, column: 0, row: rect.y, style: .title, limit: rect.width)
        let rightStart = rect.width - DisplayWidth.of(right)
        if rightStart > DisplayWidth.of(text) + 2 { screen.put(right, column: rightStart, row: rect.y, style: .title) }
    }

    /// One cell before each partition: ✓ chain verified, ○ CRCs fine but no chain (a Kafka capture),
    /// ✗ broken (data that does not match its CRC or chain), ! unreadable (the check could not read
    /// it: not evidence of tampering), … checking, ? not checked yet.
    static func integrityBadge(_ integrity: ExplorerState.Integrity) -> (String, Style) {
        switch integrity {
        case .verified: ("✓", Style(.good))
        case .unchained: ("○", .muted)
        case .broken: ("✗", Style(.bad, bold: true))
        case .unreadable: ("!", Style(.warning, bold: true))
        case .checking: ("…", .muted)
        case .notChecked: ("?", .muted)
        }
    }

    static func integrityText(_ integrity: ExplorerState.Integrity) -> String {
        switch integrity {
        case .verified: "✓ chain verified"
        case .unchained: "○ no chain, CRCs ok"
        case let .broken(offset): "✗ BROKEN at offset \(offset)"
        case let .unreadable(reason): "! unreadable: \(reason)"
        case .checking: "… checking chain"
        case .notChecked: "? chain not checked"
        }
    }

    static let sparks: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    /// Event rate over the topic's time span, one column per bucket, the cursor's time marked.
    static func drawTimeline(_ state: ExplorerState, _ rect: Rect, _ screen: inout Screen) {
        guard !rect.isEmpty, !state.timeline.isEmpty else { return }
        let columns = rect.width
        var values = [Int](repeating: 0, count: columns)
        for (index, count) in state.timeline.enumerated() { values[min(columns - 1, index * columns / state.timeline.count)] += count }
        let peak = max(1, values.max() ?? 1)
        var marker = -1
        if let event = state.currentEvent, state.timelineEnd > state.timelineStart {
            let fraction = Double(event.timestamp - state.timelineStart) / Double(state.timelineEnd - state.timelineStart)
            marker = min(columns - 1, max(0, Int(fraction * Double(columns))))
        }
        for column in 0..<columns {
            let level = values[column] == 0 ? -1 : min(7, values[column] * 8 / (peak + 1))
            let character: Character = level < 0 ? " " : sparks[level]
            screen.put(String(column == marker && level < 0 ? "│" : character), column: column, row: rect.y,
                       style: column == marker ? Style(.highlight, bold: true, reverse: true) : Style(.accent))
        }
    }

    static func drawStatus(_ state: ExplorerState, _ rect: Rect, _ screen: inout Screen) {
        guard !rect.isEmpty else { return }
        if let prompt = state.prompt {
            let end = screen.put(prompt.label, column: 0, row: rect.y, style: .heading)
            let shown = screen.put(prompt.text, column: end, row: rect.y)
            screen.put("█", column: shown, row: rect.y, style: Style(.accent))
            return
        }
        if !state.status.isEmpty {
            screen.put(" " + state.status, column: 0, row: rect.y, style: state.statusIsError ? Style(.bad, bold: true) : Style(.good))
            return
        }
        screen.put(hintBar(state, width: rect.width), column: 0, row: rect.y, style: .muted)
    }

    /// The keys that work now, from the keymap: the mode's table first (an overlay's, the lesson
    /// box's), then the panes' and the view's, in table order, as many whole hints as fit.
    static func hintBar(_ state: ExplorerState, width: Int) -> String {
        var entries: [KeyHelp]
        switch state.overlay {
        case .help: entries = Keymap.entries(.help)
        case .detail: entries = Keymap.entries(.detail)
        case .lineage: entries = Keymap.entries(.lineage)
        case .none:
            entries = (state.lessons.isOpen ? Keymap.entries(.lesson).filter { $0.hint != "act" || state.lessons.current?.onAct != LessonStage.none } : [])
                + hintOrder.compactMap { hint in (Keymap.entries(.panes) + Keymap.entries(.views)).first { $0.hint == hint } }
        }
        var text = ""
        for entry in entries {
            guard let hint = entry.hint else { continue }
            let item = " \(entry.keys.first?.label ?? "") \(hint)"
            if DisplayWidth.of(text) + DisplayWidth.of(item) + 1 > width { break }
            text += text.isEmpty ? item : " " + item
        }
        return text
    }

    /// The panes' hints, most useful first: what a first-time user needs before what they'll find.
    static let hintOrder = ["help", "quit", "step", "time", "scrub", "rebuild", "lineage", "search", "pane", "open", "lessons",
                            "follow", "filter", "offset", "one event", "view"]

    // MARK: Panes

    /// A bordered box with a title; returns the inner rectangle.
    @discardableResult
    static func drawBox(_ rect: Rect, title: String, focused: Bool, highlighted: Bool = false, _ screen: inout Screen) -> Rect {
        guard rect.width >= 2, rect.height >= 2 else { return .empty }
        let border = highlighted ? Style(.highlight, bold: true) : focused ? Style(.accent, bold: true) : .muted
        let horizontal = String(repeating: "─", count: rect.width - 2)
        screen.put("┌" + horizontal + "┐", column: rect.x, row: rect.y, style: border)
        for row in (rect.y + 1)..<(rect.y + rect.height - 1) {
            screen.put("│", column: rect.x, row: row, style: border)
            screen.put("│", column: rect.x + rect.width - 1, row: row, style: border)
        }
        screen.put("└" + horizontal + "┘", column: rect.x, row: rect.y + rect.height - 1, style: border)
        screen.put(" \(title) ", column: rect.x + 2, row: rect.y, style: focused || highlighted ? border : .heading, limit: rect.width - 4)
        return Rect(x: rect.x + 1, y: rect.y + 1, width: rect.width - 2, height: rect.height - 2)
    }

    static func drawTopics(_ state: ExplorerState, _ rect: Rect, focused: Bool, highlighted: Bool, _ screen: inout Screen) {
        let inner = drawBox(rect, title: "Topics", focused: focused, highlighted: highlighted, &screen)
        guard !inner.isEmpty else { return }
        var row = inner.y
        let bottom = inner.y + inner.height
        for (topicIndex, topic) in state.topics.enumerated() where row < bottom {
            screen.put("\(topic.name)  \(compact(topic.events))\(topic.loadedPartitions < topic.partitions.count ? "+" : "") ev", column: inner.x, row: row, style: .heading, limit: inner.width)
            row += 1
            if row < bottom {
                // Retention ("∞" keeps forever) and the time the events span.
                let keep = topic.retention == "forever" ? "∞" : topic.retention
                screen.put(" keep \(keep)\(span(topic).map { " · \($0)" } ?? "")", column: inner.x, row: row, style: .muted, limit: inner.width)
                row += 1
            }
            if state.isCollapsed(topic), row < bottom {
                let height = min(2, bottom - row)
                drawCollapsed(topic, state, selected: topicIndex == state.topicIndex, focused: focused, Rect(x: inner.x, y: row, width: inner.width, height: height), &screen)
                row += height
                continue
            }
            for (partitionIndex, partition) in topic.partitions.enumerated() where row < bottom {
                let selected = topicIndex == state.topicIndex && partitionIndex == state.partitionIndex
                let text = partition.isLoaded ? "p\(partition.partition) \(partition.startOffset)..<\(partition.endOffset) \(bytes(partition.bytes))"
                    : "p\(partition.partition) loading…"
                let (badge, badgeStyle) = integrityBadge(partition.integrity)
                screen.put(text, column: inner.x + 1, row: row, style: selected ? (focused ? .selected : Style(.accent, bold: true)) : .plain, limit: inner.width - 1)
                if selected { screen.restyle(column: inner.x, row: row, width: inner.width, style: focused ? .selected : Style(.accent, bold: true)) }
                screen.put(badge, column: inner.x, row: row, style: selected && focused ? .selected : badgeStyle, limit: 1)
                row += 1
            }
        }
        guard row + 1 < bottom, !state.followers.isEmpty || !state.view.follower.name.isEmpty else { return }
        row += 1
        screen.put("Consumers & views", column: inner.x, row: row, style: .heading, limit: inner.width)
        row += 1
        for follower in [state.view.follower] + state.followers where row + 1 < bottom {
            screen.put(follower.name, column: inner.x, row: row, limit: inner.width)
            row += 1
            drawZipper(follower, column: inner.x, row: row, width: inner.width, &screen)
            row += 1
        }
    }

    /// A topic of many partitions in two lines (they fit the 18-column pane): how many, with the
    /// worst badge among them (a broken chain anywhere shows), selected as one entry; then the
    /// partition the cursor is on and how many are loaded yet, or how to expand it.
    static func drawCollapsed(_ topic: ExplorerState.TopicEntry, _ state: ExplorerState, selected: Bool, focused: Bool, _ rect: Rect, _ screen: inout Screen) {
        let count = topic.partitions.count, loaded = topic.loadedPartitions
        let style: Style = selected ? (focused ? .selected : Style(.accent, bold: true)) : .plain
        screen.put("▸ \(count) partitions", column: rect.x + 1, row: rect.y, style: style, limit: rect.width - 1)
        if selected { screen.restyle(column: rect.x, row: rect.y, width: rect.width, style: style) }
        let (badge, badgeStyle) = integrityBadge(worstIntegrity(topic.partitions.map(\.integrity)))
        screen.put(badge, column: rect.x, row: rect.y, style: selected && focused ? .selected : badgeStyle, limit: 1)
        guard rect.height > 1 else { return }
        var parts: [String] = []
        if selected, let partition = state.currentPartition { parts.append("on p\(partition.partition)") }
        parts.append(loaded < count ? "\(loaded) loaded" : selected ? "Enter" : "Enter expands")
        let detail = "  " + parts.joined(separator: " · ")
        screen.put(detail, column: rect.x, row: rect.y + 1, style: .muted, limit: rect.width)
    }

    static func worstIntegrity(_ values: [ExplorerState.Integrity]) -> ExplorerState.Integrity {
        if let broken = values.first(where: { if case .broken = $0 { true } else { false } }) { return broken }
        for candidate in [ExplorerState.Integrity.checking, .notChecked, .unchained] where values.contains(candidate) { return candidate }
        return values.isEmpty ? .notChecked : .verified
    }

    /// A consumer's position against the log end: filled part read, open part still to fold.
    static func drawZipper(_ follower: ExplorerState.Follower, column: Int, row: Int, width: Int, _ screen: inout Screen) {
        let label = follower.lag == 0 ? " ✓" : " lag \(compact(follower.lag))"
        let barWidth = max(1, width - DisplayWidth.of(label) - 1)
        let filled = follower.end <= 0 ? barWidth : Int(Double(barWidth) * Double(min(follower.position, follower.end)) / Double(follower.end))
        screen.put(String(repeating: "█", count: filled), column: column, row: row, style: Style(follower.lag == 0 ? .good : .warning), limit: barWidth)
        screen.put(String(repeating: "░", count: barWidth - filled), column: column + filled, row: row, style: .muted, limit: barWidth - filled)
        screen.put(label, column: column + barWidth, row: row, style: follower.lag == 0 ? Style(.good) : Style(.warning, bold: true))
    }

    static func drawEvents(_ state: ExplorerState, _ rect: Rect, focused: Bool, highlighted: Bool, _ screen: inout Screen) {
        guard !rect.isEmpty else { return }
        var title = "Events"
        if let topic = state.currentTopic, let partition = state.currentPartition { title += " \(topic.name)-\(partition.partition)" }
        if let filter = state.filter { title += "  filter: \(filter)" }
        let boxed = rect.height >= 3
        let inner = boxed ? drawBox(rect, title: title, focused: focused, highlighted: highlighted, &screen) : rect
        guard !inner.isEmpty else { return }
        let keyWidth = inner.width >= 70 ? 12 : inner.width >= 50 ? 9 : 0
        let timeWidth = inner.width >= 44 ? 15 : 0
        let offsetWidth = max(6, String(state.currentPartition?.endOffset ?? 0).count)
        var row = inner.y
        if inner.height >= 3 {
            var header = pad("offset", offsetWidth, right: true) + " "
            if timeWidth > 0 { header += pad("time (UTC)", timeWidth) + " " }
            if keyWidth > 0 { header += pad("key", keyWidth) + " " }
            screen.put(header + "value", column: inner.x, row: row, style: .muted, limit: inner.width)
            row += 1
        }
        if state.events.isEmpty {
            screen.put(state.currentPartition.map { $0.endOffset == $0.startOffset ? "(no events)" : "(loading…)" } ?? "(no topics)",
                       column: inner.x, row: row, style: .muted, limit: inner.width)
            return
        }
        // Keep the cursor row on screen even when the loaded window is taller than the pane.
        let visibleRows = inner.y + inner.height - row
        let cursorIndex = state.events.firstIndex { $0.offset == state.cursor } ?? 0
        let firstVisible = max(0, min(cursorIndex - visibleRows / 2, state.events.count - visibleRows))
        for event in state.events.dropFirst(firstVisible) where row < inner.y + inner.height {
            var line = pad(String(event.offset), offsetWidth, right: true) + " "
            if timeWidth > 0 { line += pad(shortTime(event.timestamp), timeWidth) + " " }
            if keyWidth > 0 { line += pad(event.key, keyWidth) + " " }
            line += event.preview
            let selected = event.offset == state.cursor
            let style: Style = selected ? (focused ? .selected : Style(.accent, bold: true, reverse: true)) : event.isControl ? .muted : .plain
            screen.put(line, column: inner.x, row: row, style: style, limit: inner.width)
            if selected { screen.restyle(column: inner.x, row: row, width: inner.width, style: style) }
            row += 1
        }
    }

    /// The automatic choice shows the view it picked for the topic, which the session names in the
    /// view's follower ("view table → orders").
    static func shownViewName(_ view: ExplorerState.ViewPane) -> String {
        guard view.name == ViewCatalog.automaticName else { return view.name }
        let picked = view.follower.name.split(separator: " ").dropFirst().first
        return picked.map(String.init) ?? view.name
    }

    static func drawView(_ state: ExplorerState, _ rect: Rect, focused: Bool, highlighted: Bool, _ screen: inout Screen) {
        guard !rect.isEmpty else { return }
        var title = "View \(shownViewName(state.view))"
        switch state.view.mode {
        case .asOfCursor:
            title += state.view.asOf.isEmpty ? "" : " as of \(state.view.asOf)"
            if state.view.catchingUp { title += " — catching up… \(state.view.applied) events" }
        case let .rebuilding(paused): title += paused ? " — rebuild paused (\(state.view.applied) events)" : " — rebuilding… \(state.view.applied) events, \(state.view.eventsPerTick * 10)/s"
        }
        if let mark = state.view.mark {
            let removed = mark.removed(from: state.view.rows).count
            title += " — Δ since \(mark.asOf.isEmpty ? "mark" : mark.asOf)" + (removed > 0 ? ", \(removed) rows gone" : "")
        }
        let inner = drawBox(rect, title: title, focused: focused, highlighted: highlighted, &screen)
        guard !inner.isEmpty else { return }
        var row = inner.y
        drawZipper(state.view.follower, column: inner.x, row: row, width: inner.width, &screen)
        row += 1
        guard row < inner.y + inner.height else { return }
        let columns = state.view.columns
        guard !columns.isEmpty else {
            screen.put("(folding…)", column: inner.x, row: row, style: .muted)
            return
        }
        let mark = state.view.mark
        let widths = mark == nil ? columnWidths(columns, state.view.rows, available: inner.width)
            : columnWidths(columns, cells: state.view.rows.prefix(200).map { mark!.cells($0, columns: columns) ?? [$0.key] + $0.values.map(\.description) },
                           available: inner.width)
        screen.put(formatRow(columns, widths), column: inner.x, row: row, style: .muted, limit: inner.width)
        row += 1
        let visible = inner.y + inner.height - row
        guard visible > 0 else { return }
        let first = max(0, min(state.view.selected - visible / 2, state.view.rows.count - visible))
        for (index, viewRow) in state.view.rows.enumerated().dropFirst(first) where row < inner.y + inner.height {
            let marked = mark?.cells(viewRow, columns: columns)
            let cells = marked ?? [viewRow.key] + viewRow.values.map(\.description)
            let changed = marked != nil || state.view.changed[viewRow.key] != nil
            let selected = index == state.view.selected && focused
            let style: Style = selected ? .selected : changed ? Style(.highlight, bold: true) : .plain
            screen.put(formatRow(cells, widths), column: inner.x, row: row, style: style, limit: inner.width)
            if selected || changed { screen.restyle(column: inner.x, row: row, width: inner.width, style: style) }
            row += 1
        }
        if state.view.rows.isEmpty { screen.put("(empty: no event has touched this view yet)", column: inner.x, row: row, style: .muted, limit: inner.width) }
    }

    static func columnWidths(_ columns: [String], _ rows: [ViewRow], available: Int) -> [Int] {
        columnWidths(columns, cells: rows.prefix(200).map { [$0.key] + $0.values.map(\.description) }, available: available)
    }

    /// Widths for cells as shown (with a mark's deltas they are wider than the values).
    static func columnWidths(_ columns: [String], cells rows: [[String]], available: Int) -> [Int] {
        var widths = columns.map { DisplayWidth.of($0) }
        for row in rows.prefix(200) {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], min(30, DisplayWidth.of(cell)))
            }
        }
        // Narrow screens: drop trailing columns rather than squeeze every one.
        var total = 0
        for (index, width) in widths.enumerated() {
            total += width + 2
            if total > available + 2 && index > 1 { return Array(widths.prefix(index)) }
        }
        return widths
    }

    static func formatRow(_ cells: [String], _ widths: [Int]) -> String {
        zip(cells, widths).enumerated().map { index, pair in pad(pair.0, pair.1, right: index > 0) }.joined(separator: "  ")
    }

    // MARK: Overlays

    /// An overlay's box: every row between the header and the status line, cleared and with its
    /// own full border, so no pane's border or text shows beside it (a centered box left pane
    /// fragments around its edges: `┌─ ┌─ Event`). Returns its inner rectangle.
    static func overlayBox(_ title: String, _ screen: inout Screen) -> Rect {
        let top = screen.height >= 4 ? 1 : 0
        let rect = Rect(x: 0, y: top, width: screen.width, height: screen.height - top - (screen.height >= 3 ? 1 : 0))
        screen.fill(column: rect.x, row: rect.y, width: rect.width, height: rect.height)
        return drawBox(rect, title: title, focused: true, &screen)
    }

    /// The panes' and the view pane's keys, grouped as a learner looks for them.
    static let helpEntries: [KeyHelp] = {
        let entries = Keymap.entries(.panes) + Keymap.entries(.views)
        let order = ["Move", "Time", "Views", "Find", "Other"]
        return order.flatMap { group in entries.filter { $0.group == group } } + entries.filter { !order.contains($0.group) }
    }()

    static func drawHelp(_ state: ExplorerState, _ screen: inout Screen) {
        let inner = overlayBox("Keys — j/k scroll, Esc closes", &screen)
        guard !inner.isEmpty else { return }
        var lines: [(String, Style)] = []
        var group = ""
        for binding in helpEntries {
            if binding.group != group {
                group = binding.group
                lines.append((group, .heading))
            }
            lines.append(("  " + pad(binding.keys.map(\.label).joined(separator: " "), 13) + " " + binding.help, .plain))
        }
        // Two columns when the box is wide enough to hold them; one scrollable column otherwise.
        let columns = inner.width >= 70 && lines.count > inner.height ? 2 : 1
        if columns == 1 { lines = Array(lines.dropFirst(min(state.detailScroll, max(0, lines.count - inner.height)))) }
        let columnWidth = inner.width / columns
        for (index, line) in lines.enumerated() {
            let column = index / max(1, inner.height)
            guard column < columns else { break }
            screen.put(line.0, column: inner.x + column * columnWidth, row: inner.y + index % max(1, inner.height), style: line.1, limit: columnWidth - 1)
        }
    }

    static func drawDetail(_ state: ExplorerState, _ screen: inout Screen) {
        let inner = overlayBox("Event \(state.currentPartition.map { "p\($0.partition)" } ?? "")@\(state.cursor) — j/k scroll, Esc closes", &screen)
        guard !inner.isEmpty else { return }
        for (index, line) in state.detail.dropFirst(state.detailScroll).prefix(inner.height).enumerated() {
            let style: Style = line.hasSuffix(":") && !line.hasPrefix(" ") ? .heading : .plain
            screen.put(line, column: inner.x, row: inner.y + index, style: style, limit: inner.width)
        }
    }

    static func drawLineage(_ state: ExplorerState, _ screen: inout Screen) {
        let inner = overlayBox("Lineage of \(state.lineageKey) in \(state.view.name) — Enter jumps to the event, Esc closes", &screen)
        guard !inner.isEmpty else { return }
        screen.put("\(state.lineage.count) events changed this row", column: inner.x, row: inner.y, style: .muted, limit: inner.width)
        let visible = inner.height - 1
        guard visible > 0 else { return }
        let first = max(0, min(state.lineageSelected - visible / 2, state.lineage.count - visible))
        for (index, entry) in state.lineage.enumerated().dropFirst(first).prefix(visible) {
            let mark = entry.duplicate ? " DUPLICATE skipped" : ""
            let line = inner.width >= 60
                ? "p\(entry.partition)@\(entry.offset)  \(shortTime(entry.timestamp))  \(pad(entry.before, 9, right: true)) → \(pad(entry.after, 9, right: true)) \(pad(entry.delta, 7, right: true))\(mark)  \(entry.summary)"
                : "p\(entry.partition)@\(entry.offset) \(entry.before)→\(entry.after) \(entry.delta)\(entry.duplicate ? " dup" : "")"
            let row = inner.y + 1 + index - first
            let style: Style = index == state.lineageSelected ? .selected : entry.duplicate ? .muted : .plain
            screen.put(line, column: inner.x, row: row, style: style, limit: inner.width)
            if index == state.lineageSelected { screen.restyle(column: inner.x, row: row, width: inner.width, style: style) }
        }
    }

    /// The lesson box's lines at `width`: the task, then once done a ✓ and what happened.
    static func lessonLines(_ state: ExplorerState, width: Int) -> [(String, Style)] {
        guard let lesson = state.lessons.current else { return [] }
        let task = wrap(LessonCheck.fill(lesson.task, state.lessons.facts), width: max(1, width)).map { ($0, Style.plain) }
        guard let explanation = state.lessons.explanation else { return task }
        let told = wrap("✓ " + explanation, width: max(1, width)).map { ($0, Style(.good, bold: true)) }
        let next = state.lessons.index + 1 < state.lessons.lessons.count ? "n: next lesson" : "the last lesson: Esc closes"
        return told + [(next, Style.muted)]
    }

    /// Rows the lesson box takes (0 when closed): its text and border, at most half the body.
    public static func lessonBoxHeight(_ state: ExplorerState, width: Int, height: Int) -> Int {
        guard state.lessons.isOpen, state.lessons.current != nil, height >= 8 else { return 0 }
        return min(lessonLines(state, width: width - 4).count + 2, max(3, (height - 3) / 2))
    }

    static func drawLesson(_ state: ExplorerState, _ rect: Rect, _ screen: inout Screen) {
        guard !rect.isEmpty else { return }
        screen.fill(column: rect.x, row: rect.y, width: rect.width, height: rect.height)
        let done = state.lessons.currentIsDone
        let inner = drawBox(rect, title: state.lessons.title, focused: true, highlighted: !done, &screen)
        guard !inner.isEmpty else { return }
        // When done and short of room, what happened matters more than what was asked.
        let lines = lessonLines(state, width: inner.width - 2)
        for (index, line) in lines.suffix(inner.height).enumerated() {
            screen.put(" " + line.0, column: inner.x, row: inner.y + index, style: line.1, limit: inner.width)
        }
    }

    // MARK: Text helpers

    static func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let length = DisplayWidth.of(text)
        if length > width {
            var clipped = ""
            var used = 0
            for character in text {
                let characterWidth = DisplayWidth.of(character)
                if used + characterWidth > width - 1 { break }
                clipped.append(character)
                used += characterWidth
            }
            return clipped + "…" + String(repeating: " ", count: max(0, width - used - 1))
        }
        let padding = String(repeating: " ", count: width - length)
        return right ? padding + text : text + padding
    }

    static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty && DisplayWidth.of(line) + 1 + DisplayWidth.of(String(word)) > width {
                lines.append(line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }

    /// "11-23 12:17:50" in UTC.
    static func shortTime(_ milliseconds: Int64) -> String {
        let iso = TimeFormat.iso(Timestamp(milliseconds: milliseconds)) // 2026-11-23T12:17:50.816Z
        let characters = Array(iso)
        guard characters.count >= 19 else { return iso }
        return String(characters[5..<10]) + " " + String(characters[11..<19])
    }

    /// How much time a topic's events cover, e.g. "3d 2h", "45m", "12s".
    static func span(_ topic: ExplorerState.TopicEntry) -> String? {
        let firsts = topic.partitions.compactMap(\.firstTimestamp), lasts = topic.partitions.compactMap(\.lastTimestamp)
        guard let first = firsts.min(), let last = lasts.max(), last >= first else { return nil }
        let seconds = (last - first) / 1000
        if seconds >= 86_400 { return "\(seconds / 86_400)d \(seconds % 86_400 / 3600)h" }
        if seconds >= 3600 { return "\(seconds / 3600)h \(seconds % 3600 / 60)m" }
        if seconds >= 60 { return "\(seconds / 60)m" }
        return "\(seconds)s"
    }

    static func compact(_ value: Int64) -> String {
        if value >= 10_000_000 { return "\(value / 1_000_000)M" }
        if value >= 10_000 { return "\(value / 1000)k" }
        return String(value)
    }

    static func bytes(_ value: Int64) -> String {
        if value >= 10 << 30 { return "\(value >> 30)G" }
        if value >= 10 << 20 { return "\(value >> 20)M" }
        if value >= 10 << 10 { return "\(value >> 10)K" }
        return "\(value)B"
    }
}
