/// One key binding: the keys, what they do in their mode, and the words the help overlay, the hint
/// bar and README show. `hint` is the hint bar's short label; bindings with one appear there in
/// table order (the most useful first) while they fit the width.
public struct Binding<Action: Hashable & Sendable>: Hashable, Sendable {
    public var keys: [Key]
    public var action: Action
    public var help: String
    public var group: String
    public var hint: String?

    public init(_ keys: [Key], _ action: Action, _ help: String, group: String, hint: String? = nil) {
        self.keys = keys
        self.action = action
        self.help = help
        self.group = group
        self.hint = hint
    }
}

/// A binding without its action type: what the help overlay, hint bar and README list.
public struct KeyHelp: Hashable, Sendable {
    public var keys: [Key]
    public var help: String
    public var group: String
    public var hint: String?
    public var keysLabel: String { keys.map(\.label).joined(separator: "/") }
}

/// One mode's bindings and the lookup built from them. Two bindings of one mode sharing a key is a
/// programmer error (the second would never fire), caught when the table is built.
public struct KeyTable<Action: Hashable & Sendable>: Sendable {
    public let mode: Keymap.Mode
    public let bindings: [Binding<Action>]
    private let lookup: [Key: Action]

    init(_ mode: Keymap.Mode, _ bindings: [Binding<Action>]) {
        var lookup: [Key: Action] = [:]
        for binding in bindings {
            for key in binding.keys {
                precondition(lookup[key] == nil, "\(mode) binds \(key.label) twice")
                lookup[key] = binding.action
            }
        }
        self.mode = mode
        self.bindings = bindings
        self.lookup = lookup
    }

    public func action(for key: Key) -> Action? { lookup[key] }

    public func keysLabel(_ action: Action) -> String {
        bindings.first { $0.action == action }?.keys.map(\.label).joined(separator: "/") ?? ""
    }

    public var entries: [KeyHelp] { bindings.map { KeyHelp(keys: $0.keys, help: $0.help, group: $0.group, hint: $0.hint) } }
}

/// The keymap is data: one table per mode drives dispatch, the `?` overlay, the hint bar, the
/// lessons' key names and README's key list (a test keeps README in step).
public enum Keymap {
    public enum Mode: String, Hashable, Sendable, CaseIterable {
        case panes, views, prompt, help, detail, lineage, lesson

        public var title: String {
            switch self {
            case .panes: "Panes"
            case .views: "View pane"
            case .prompt: "Prompt (t, :, /, f)"
            case .help: "Key list (?)"
            case .detail: "Event detail (Enter)"
            case .lineage: "Lineage (l)"
            case .lesson: "Lesson box (the keys above work too)"
            }
        }
    }

    public static let panes = KeyTable<PaneAction>(.panes, [
        Binding([.character("j"), .down], .down, "next event / row", group: "Move", hint: "step"),
        Binding([.character("k"), .up], .up, "previous event / row", group: "Move"),
        Binding([.pageDown, .control("f")], .pageDown, "page down", group: "Move"),
        Binding([.pageUp, .control("b")], .pageUp, "page up", group: "Move"),
        Binding([.character("g"), .home], .first, "first event", group: "Move"),
        Binding([.character("G"), .end], .last, "last event", group: "Move"),
        Binding([.character(":")], .gotoOffset, "go to offset", group: "Move", hint: "offset"),
        Binding([.tab], .nextPane, "next pane", group: "Move", hint: "pane"),
        Binding([.backTab], .previousPane, "previous pane", group: "Move"),
        Binding([.enter], .open, "open detail / lineage", group: "Move", hint: "open"),
        Binding([.escape], .back, "clear the filter", group: "Move"),
        Binding([.character("t")], .jumpToTime, "jump to a time", group: "Time", hint: "time"),
        Binding([.character("[")], .scrubBack, "scrub back in time", group: "Time", hint: "scrub"),
        Binding([.character("]")], .scrubForward, "scrub forward in time", group: "Time"),
        Binding([.character("F")], .toggleFollow, "follow the live tail", group: "Time", hint: "follow"),
        Binding([.character("/")], .search, "search key/text/f=v", group: "Find", hint: "search"),
        Binding([.character("n")], .nextMatch, "next match", group: "Find"),
        Binding([.character("N")], .previousMatch, "previous match", group: "Find"),
        Binding([.character("f")], .filter, "filter events", group: "Find", hint: "filter"),
        Binding([.character("d")], .toggleDecoded, "decoded / raw values", group: "Find"),
        Binding([.character("?")], .help, "this help", group: "Other", hint: "help"),
        Binding([.character("T")], .lessons, "lessons: reopen at the current one", group: "Other", hint: "lessons"),
        Binding([.character("q"), .control("c")], .quit, "quit", group: "Other", hint: "quit"),
    ])

    public static let views = KeyTable<ViewAction>(.views, [
        Binding([.character("r")], .rebuild, "rebuild view from 0", group: "Views", hint: "rebuild"),
        Binding([.character("+")], .faster, "rebuild faster", group: "Views"),
        Binding([.character("-")], .slower, "rebuild slower", group: "Views"),
        Binding([.character(" ")], .pause, "pause/resume rebuild", group: "Views"),
        Binding([.character(".")], .stepOne, "apply one event", group: "Views", hint: "one event"),
        Binding([.character("v")], .nextView, "next view", group: "Views", hint: "view"),
        Binding([.character("l")], .lineage, "lineage of view row", group: "Views", hint: "lineage"),
        Binding([.character("m")], .mark, "mark here: rows changed since show deltas (m clears)", group: "Views"),
    ])

    public static let prompt = KeyTable<PromptAction>(.prompt, [
        Binding([.enter], .submit, "run what was typed", group: "Prompt", hint: "run"),
        Binding([.backspace], .deleteBackward, "delete a character", group: "Prompt"),
        Binding([.escape], .cancel, "cancel", group: "Prompt", hint: "cancel"),
    ])

    public static let help = KeyTable<HelpAction>(.help, [
        Binding([.character("j"), .down], .scrollDown, "scroll down", group: "Key list", hint: "scroll"),
        Binding([.character("k"), .up], .scrollUp, "scroll up", group: "Key list"),
        Binding([.escape, .character("?"), .character("q"), .enter], .close, "close", group: "Key list", hint: "close"),
    ])

    public static let detail = KeyTable<DetailAction>(.detail, [
        Binding([.character("j"), .down], .scrollDown, "scroll down", group: "Detail", hint: "scroll"),
        Binding([.character("k"), .up], .scrollUp, "scroll up", group: "Detail"),
        Binding([.pageDown], .pageDown, "scroll a page down", group: "Detail"),
        Binding([.pageUp], .pageUp, "scroll a page up", group: "Detail"),
        Binding([.character("d")], .toggleDecoded, "decoded / raw value", group: "Detail", hint: "decoded/raw"),
        Binding([.escape, .enter, .character("q")], .close, "close", group: "Detail", hint: "close"),
    ])

    public static let lineage = KeyTable<LineageAction>(.lineage, [
        Binding([.character("j"), .down], .down, "next event of the row", group: "Lineage", hint: "step"),
        Binding([.character("k"), .up], .up, "previous event of the row", group: "Lineage"),
        Binding([.character("g"), .home], .first, "first event of the row", group: "Lineage"),
        Binding([.character("G"), .end], .last, "last event of the row", group: "Lineage"),
        Binding([.enter], .jump, "jump to the event", group: "Lineage", hint: "jump"),
        Binding([.escape, .character("q"), .character("l")], .close, "close", group: "Lineage", hint: "close"),
    ])

    public static let lesson = KeyTable<LessonAction>(.lesson, [
        Binding([.character("n")], .next, "next lesson (skips this one)", group: "Lesson", hint: "next"),
        Binding([.character("p")], .back, "previous lesson", group: "Lesson", hint: "back"),
        Binding([.character("c")], .act, "the lesson's action (resume, send, redeliver)", group: "Lesson", hint: "act"),
        Binding([.escape], .close, "close the lesson box (T reopens it)", group: "Lesson", hint: "close"),
    ])

    /// Every mode's entries, in the order the help overlay and README list them.
    public static func entries(_ mode: Mode) -> [KeyHelp] {
        switch mode {
        case .panes: panes.entries
        case .views: views.entries
        case .prompt: prompt.entries
        case .help: help.entries
        case .detail: detail.entries
        case .lineage: lineage.entries
        case .lesson: lesson.entries
        }
    }

    /// README's key tables, one per mode, exactly as `ReadmeKeymapTests` expects to find them.
    public static var readmeTables: String {
        Mode.allCases.map { mode in
            (["**\(mode.title)**", "", "| keys | action |", "|---|---|"]
                + entries(mode).map { "| \($0.keys.map { "`\($0.label)`" }.joined(separator: " ")) | \($0.help) (\($0.group.lowercased())) |" })
                .joined(separator: "\n")
        }.joined(separator: "\n\n")
    }
}
