/// Sends requests at a fixed rate, open loop: each one starts at its scheduled time, whatever
/// the others do, so a slow server shows as latency rather than as a slower writer. At most
/// `maxInFlight` requests are under way before the writer pauses a moment.
struct OpenLoopWriter {
    let rate: Int
    let count: Int
    var maxInFlight = 512

    /// Calls `start` at each request's scheduled time, in order (so it may note what the request
    /// should cause), and runs the request it returns concurrently. Returns how many requests
    /// failed, once every one has answered.
    func run(_ start: (_ index: Int) -> @Sendable () async -> Bool) async throws -> Int {
        let failures = Tally()
        let inflight = Tally()
        let begin = monotonicNanos()
        let interval = 1_000_000_000 / UInt64(max(rate, 1))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<count {
                let due = begin + UInt64(index) * interval
                let now = monotonicNanos()
                if due > now { try await Task.sleep(for: .nanoseconds(Int64(due - now))) }
                if inflight.value > maxInFlight { try await Task.sleep(for: .milliseconds(1)) }
                let request = start(index)
                inflight.add()
                group.addTask {
                    defer { inflight.add(-1) }
                    if await !request() { failures.add() }
                }
            }
            try await group.waitForAll()
        }
        return failures.value
    }
}
