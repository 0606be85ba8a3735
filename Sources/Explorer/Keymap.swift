/// What a key does. One table drives dispatch, the help overlay and the README's key list.
public enum Action: String, Hashable, Sendable, CaseIterable {
    case quit, help, nextPane, previousPane
    case down, up, pageDown, pageUp, first, last, gotoOffset, open, back
    case jumpToTime, scrubBack, scrubForward, toggleFollow
    case rebuild, faster, slower, pause, stepOne, nextView, lineage
    case search, nextMatch, previousMatch, filter, toggleDecoded, tour
}

public struct Binding: Hashable, Sendable {
    public var keys: [Key]
    public var action: Action
    public var help: String
    public var group: String
}

public enum Keymap {
    public static let bindings: [Binding] = [
        Binding(keys: [.character("j"), .down], action: .down, help: "next event / row", group: "Move"),
        Binding(keys: [.character("k"), .up], action: .up, help: "previous event / row", group: "Move"),
        Binding(keys: [.pageDown, .control("f")], action: .pageDown, help: "page down", group: "Move"),
        Binding(keys: [.pageUp, .control("b")], action: .pageUp, help: "page up", group: "Move"),
        Binding(keys: [.character("g"), .home], action: .first, help: "first event", group: "Move"),
        Binding(keys: [.character("G"), .end], action: .last, help: "last event", group: "Move"),
        Binding(keys: [.character(":")], action: .gotoOffset, help: "go to offset", group: "Move"),
        Binding(keys: [.tab], action: .nextPane, help: "next pane", group: "Move"),
        Binding(keys: [.backTab], action: .previousPane, help: "previous pane", group: "Move"),
        Binding(keys: [.enter], action: .open, help: "open detail / lineage", group: "Move"),
        Binding(keys: [.escape], action: .back, help: "close overlay/prompt", group: "Move"),
        Binding(keys: [.character("t")], action: .jumpToTime, help: "jump to a time", group: "Time"),
        Binding(keys: [.character("[")], action: .scrubBack, help: "scrub back in time", group: "Time"),
        Binding(keys: [.character("]")], action: .scrubForward, help: "scrub forward in time", group: "Time"),
        Binding(keys: [.character("F")], action: .toggleFollow, help: "follow the live tail", group: "Time"),
        Binding(keys: [.character("r")], action: .rebuild, help: "rebuild view from 0", group: "Views"),
        Binding(keys: [.character("+")], action: .faster, help: "rebuild faster", group: "Views"),
        Binding(keys: [.character("-")], action: .slower, help: "rebuild slower", group: "Views"),
        Binding(keys: [.character(" ")], action: .pause, help: "pause/resume rebuild", group: "Views"),
        Binding(keys: [.character(".")], action: .stepOne, help: "apply one event", group: "Views"),
        Binding(keys: [.character("v")], action: .nextView, help: "next view", group: "Views"),
        Binding(keys: [.character("l")], action: .lineage, help: "lineage of view row", group: "Views"),
        Binding(keys: [.character("/")], action: .search, help: "search key/text/f=v", group: "Find"),
        Binding(keys: [.character("n")], action: .nextMatch, help: "next match", group: "Find"),
        Binding(keys: [.character("N")], action: .previousMatch, help: "previous match", group: "Find"),
        Binding(keys: [.character("f")], action: .filter, help: "filter events", group: "Find"),
        Binding(keys: [.character("d")], action: .toggleDecoded, help: "decoded / raw values", group: "Find"),
        Binding(keys: [.character("?")], action: .help, help: "this help", group: "Other"),
        Binding(keys: [.character("T")], action: .tour, help: "guided tour", group: "Other"),
        Binding(keys: [.character("q"), .control("c")], action: .quit, help: "quit", group: "Other"),
    ]

    private static let table: [Key: Action] = {
        var table: [Key: Action] = [:]
        for binding in bindings { for key in binding.keys { table[key] = binding.action } }
        return table
    }()

    public static func action(for key: Key) -> Action? { table[key] }

    public static func keysLabel(_ action: Action) -> String {
        bindings.first { $0.action == action }?.keys.map(\.label).joined(separator: "/") ?? ""
    }
}
