import Glibc

/// Background reads that must not slow the reads the user waits for: the calling thread runs
/// `body` in the idle I/O class (mq-deadline, this machine's scheduler, serves it only when no
/// other I/O is queued), then gets its class back (it is a shared dispatch thread). CPU priority
/// is left alone: an unprivileged thread could not raise it again.
enum BackgroundPriority {
    /// IOPRIO_WHO_PROCESS with id 0: the calling thread.
    private static let whoProcess: Int32 = 1, callingThread: Int32 = 0
    private static let classShift: Int32 = 13, classIdle: Int32 = 3
    // glibc has no ioprio_set wrapper, and Glibc's module neither exports the SYS_ numbers nor
    // lets Swift call the variadic syscall(2).
    #if arch(x86_64)
    private static let sysIoprioSet = 251, sysIoprioGet = 252
    #elseif arch(arm64)
    private static let sysIoprioSet = 30, sysIoprioGet = 31
    #endif

    static func idle<T>(_ body: () -> T) -> T {
        let before = Int32(truncatingIfNeeded: ioprioSyscall(sysIoprioGet, whoProcess, callingThread, 0))
        _ = ioprioSyscall(sysIoprioSet, whoProcess, callingThread, classIdle << classShift)
        defer { if before >= 0 { _ = ioprioSyscall(sysIoprioSet, whoProcess, callingThread, before) } }
        return body()
    }
}

@_silgen_name("syscall") private func ioprioSyscall(_ number: Int, _ which: Int32, _ who: Int32, _ priority: Int32) -> Int
