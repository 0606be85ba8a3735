import EventLog
import Glibc

/// Runs independent reads of many partitions on several threads at once. On a cold page cache a
/// partition's first load is a few small random reads (its two index files, its first and last
/// batch) that wait on the disk, not the CPU, so more threads than the 2 cores keep the disk's
/// queue fuller; 8 bounds the threads one open starts.
enum ParallelReads {
    static let threadsMax = 8

    /// `body(index)` for every index in `0..<count`, results in index order. Work runs on up to
    /// `threadsMax` threads (the calling one included) and returns when all of it is done.
    static func map<T>(_ count: Int, _ body: @escaping (Int) -> T) -> [T] {
        guard count > 1 else { return (0..<count).map(body) }
        let work = Work(count: count, body: body)
        let helpers = min(threadsMax, count) - 1
        var threads: [pthread_t] = []
        for _ in 0..<helpers {
            var thread = pthread_t()
            let context = Unmanaged.passRetained(work as AnyObject).toOpaque()
            if pthread_create(&thread, nil, { pointer in
                (Unmanaged<AnyObject>.fromOpaque(pointer!).takeRetainedValue() as! Runnable).run()
                return nil
            }, context) == 0 {
                threads.append(thread)
            } else {
                Unmanaged<AnyObject>.fromOpaque(context).release()
            }
        }
        work.run()
        for thread in threads { pthread_join(thread, nil) }
        return work.results.map { $0! }
    }

    private protocol Runnable: AnyObject { func run() }

    /// Hands out indices one at a time, so a slow partition never holds up the others' threads.
    private final class Work<T>: Runnable, @unchecked Sendable {
        let count: Int
        let body: (Int) -> T
        let lock = ConditionLock()
        var next = 0
        var results: [T?]

        init(count: Int, body: @escaping (Int) -> T) {
            self.count = count
            self.body = body
            results = Array(repeating: nil, count: count)
        }

        func run() {
            while true {
                let index: Int? = lock.withLock {
                    guard next < count else { return nil }
                    defer { next += 1 }
                    return next
                }
                guard let index else { return }
                let result = body(index)
                lock.withLock { results[index] = result }
            }
        }
    }
}
