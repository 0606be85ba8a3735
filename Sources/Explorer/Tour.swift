/// The guided tour of demo mode: each step explains one idea while pointing at a pane.
public enum Tour {
    public struct Step: Hashable, Sendable {
        public var title: String
        public var text: String
        public var pane: ExplorerState.Pane
    }

    public static let steps: [Step] = [
        Step(title: "1/6 Offsets", text: "Every event is appended to a partition and gets the next offset. Offsets never change and are never reused: j/k step through them, : jumps to one.", pane: .events),
        Step(title: "2/6 Partitions", text: "A topic is split into partitions; events with the same key (an account) always land in the same one, so their order is kept. Tab to the topics pane to switch.", pane: .topics),
        Step(title: "3/6 Retention", text: "Old segments can be deleted after a retention time; this demo keeps events forever (retention 0), so any past state can be rebuilt.", pane: .topics),
        Step(title: "4/6 Replay", text: "The view is a fold of the events. Press r to rebuild it live from offset 0; +/- change speed, space pauses, . applies one event.", pane: .view),
        Step(title: "5/6 CQRS", text: "Commands are checked by the write side and become events; queries read this view, a separate model built from the same events.", pane: .view),
        Step(title: "6/6 Eventual consistency", text: "A view lags the log until it folds the newest events: watch the zipper bars. t jumps to a time, [ ] scrub, l shows a row's lineage.", pane: .view),
    ]
}
