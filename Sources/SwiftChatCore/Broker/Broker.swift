import ServiceLifecycle

/// Carries publications to the sockets subscribed to their topics, in this process or in
/// every process (a cross-process broker such as Redis).
///
/// Its life is the application's: `start()` before the server accepts, `run()` (a Service of the
/// application's group) while it serves, `stop()` once it has stopped.
public protocol Broker: Service {
    /// True when a publication reaches subscribers in other processes too.
    var reachesOtherProcesses: Bool { get }
    /// Called only after the write the publication describes has committed. Never throws and
    /// never waits on a subscriber: failures are counted and logged.
    func publish(_ publication: Publication) async
    /// The local fan-out that sockets of this process subscribe to.
    var subscribers: LocalFanout { get }
    /// What the health route reports.
    var health: BrokerHealth { get }
    /// Makes the first connections, so that a socket accepted right after start already hears
    /// other processes. Never fails: a broker that cannot connect keeps trying in `run()`.
    func start() async
    /// Releases what `start()` and `run()` opened.
    func stop() async
}

/// The broker's state as the health route shows it.
public enum BrokerHealth: String, Sendable {
    /// Publications reach this process's sockets only, by design.
    case inProcess = "in-process"
    case connected
    /// A cross-process broker that is away: this process's sockets still get its own publications.
    case disconnected
}
