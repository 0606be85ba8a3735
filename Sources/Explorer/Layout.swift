/// A rectangle of the screen.
public struct Rect: Hashable, Sendable {
    public var x: Int, y: Int, width: Int, height: Int
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = max(0, width)
        self.height = max(0, height)
    }
    public static let empty = Rect(x: 0, y: 0, width: 0, height: 0)
    public var isEmpty: Bool { width == 0 || height == 0 }
}

/// Where each pane goes at a given size. Full layout from 60×16; below that the topics pane goes,
/// then the timeline, then the view pane — down to a header, one event line and the status line.
public struct Layout: Hashable, Sendable {
    public var header = Rect.empty
    public var timeline = Rect.empty
    public var topics = Rect.empty
    public var events = Rect.empty
    public var view = Rect.empty
    public var status = Rect.empty
    /// The lesson box, docked above the status line so it hides no pane the lesson talks about.
    public var dock = Rect.empty

    /// `dock` rows above the status line go to the lesson box (none when the screen is too short).
    public init(width: Int, height: Int, dock dockHeight: Int = 0) {
        guard width > 0, height > 0 else { return }
        header = Rect(x: 0, y: 0, width: width, height: 1)
        guard height >= 2 else { return }
        status = Rect(x: 0, y: height - 1, width: width, height: 1)
        var top = 1
        if height >= 10 {
            timeline = Rect(x: 0, y: 1, width: width, height: 1)
            top = 2
        }
        var bodyHeight = height - 1 - top
        let docked = min(max(0, dockHeight), max(0, bodyHeight - 1))
        if docked >= 3 {
            dock = Rect(x: 0, y: height - 1 - docked, width: width, height: docked)
            bodyHeight -= docked
        }
        guard bodyHeight > 0 else { return }
        var left = 0
        if width >= 60 && height >= 12 {
            let topicsWidth = min(28, width / 4)
            topics = Rect(x: 0, y: top, width: topicsWidth, height: bodyHeight)
            left = topicsWidth
        }
        let rightWidth = width - left
        if bodyHeight >= 8 {
            let eventsHeight = max(4, bodyHeight * 11 / 20)
            events = Rect(x: left, y: top, width: rightWidth, height: eventsHeight)
            view = Rect(x: left, y: top + eventsHeight, width: rightWidth, height: bodyHeight - eventsHeight)
        } else {
            events = Rect(x: left, y: top, width: rightWidth, height: bodyHeight)
        }
    }
}
