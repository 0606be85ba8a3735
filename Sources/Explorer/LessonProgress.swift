/// Where the learner is in the lessons: which one, whether its box is open, which are done, and
/// the facts gathered for the current one (`from.*` when it opened, marks its goal left on the
/// way, what the demo staged). Part of `ExplorerState`, changed only by `update`.
public struct LessonProgress: Hashable, Sendable {
    public var lessons: [Lesson] = []
    public var index = 0
    public var isOpen = false
    public var done: Set<String> = []
    public var facts: [String: String] = [:]
    /// The explanation, filled with the numbers on screen when the goal was met.
    public var explanation: String?

    public init(lessons: [Lesson] = []) { self.lessons = lessons }

    public var current: Lesson? { lessons.indices.contains(index) ? lessons[index] : nil }
    public var currentIsDone: Bool { current.map { done.contains($0.id) } ?? false }
    /// "Lesson 3/9 Time travel ✓": the box's title.
    public var title: String {
        guard let lesson = current else { return "Lessons" }
        return "Lesson \(index + 1)/\(lessons.count) \(lesson.name)\(currentIsDone ? " ✓" : "")"
    }
    var hasBaseline: Bool { facts["from.cursor"] != nil }
    func number(_ name: String) -> Int64? { facts[name].flatMap { Int64($0) } }
}
