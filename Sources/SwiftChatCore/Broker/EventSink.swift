/// Receives rendered frames for one socket. `offer` must not block: it returns false when the
/// socket's queue is full, and the socket is then closed by its owner.
public protocol EventSink: AnyObject, Sendable {
    func offer(_ frame: RenderedEvent) -> Bool
}
