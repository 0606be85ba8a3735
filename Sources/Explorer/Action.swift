/// What a key does, one enum per mode: a mode's handler switches over its own actions only, so
/// adding a key to a mode is a case here, a line in its `Keymap` table and a line in its handler.

/// The panes: moving, time, finding (Sources/Explorer/Update+Panes.swift).
public enum PaneAction: String, Hashable, Sendable, CaseIterable {
    case quit, help, lessons, nextPane, previousPane
    case down, up, pageDown, pageUp, first, last, gotoOffset, open, back
    case jumpToTime, scrubBack, scrubForward, toggleFollow
    case search, nextMatch, previousMatch, filter, toggleDecoded
}

/// The view pane: replaying and choosing views (Update+Views.swift).
public enum ViewAction: String, Hashable, Sendable, CaseIterable {
    case rebuild, faster, slower, pause, stepOne, nextView, lineage, mark
}

/// A prompt at the bottom line; any other character is typed into it (Update+Prompt.swift).
public enum PromptAction: String, Hashable, Sendable, CaseIterable {
    case cancel, deleteBackward, submit
}

/// The key list overlay (Update+Overlays.swift).
public enum HelpAction: String, Hashable, Sendable, CaseIterable {
    case scrollDown, scrollUp, close
}

/// An event's detail overlay (Update+Overlays.swift).
public enum DetailAction: String, Hashable, Sendable, CaseIterable {
    case scrollDown, scrollUp, pageDown, pageUp, toggleDecoded, close
}

/// A view row's lineage overlay (Update+Overlays.swift).
public enum LineageAction: String, Hashable, Sendable, CaseIterable {
    case down, up, first, last, jump, close
}

/// The lesson box; keys it does not bind go on to the panes, so the learner can do what it asks
/// (Update+Lessons.swift).
public enum LessonAction: String, Hashable, Sendable, CaseIterable {
    case next, back, act, close
}
