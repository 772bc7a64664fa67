/// Waits between reconnection attempts: doubling from `initial` up to `maximum`, with jitter so
/// that many processes losing Redis together do not come back in lockstep.
struct Backoff {
    let initial: Duration
    let maximum: Duration
    private(set) var failures = 0

    init(initial: Duration = .milliseconds(100), maximum: Duration = .seconds(5)) {
        self.initial = initial
        self.maximum = maximum
    }

    mutating func reset() {
        failures = 0
    }

    /// The wait before the next attempt, counting this failure.
    mutating func nextDelay() -> Duration {
        failures += 1
        let doubled = initial * (1 << min(failures - 1, 16))
        let capped = min(doubled, maximum)
        return capped * Double.random(in: 0.8...1.2)
    }
}
