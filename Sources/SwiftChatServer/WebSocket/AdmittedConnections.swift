import NIOCore
import SwiftChatCore
import Synchronization

/// The users the handshake gate admitted, by connection, until the connection closes: the
/// upgrade and the socket take the user from here instead of checking the token and reading
/// the user again. Bounded by the open connections.
final class AdmittedConnections: Sendable {
    private let users = Mutex<[ObjectIdentifier: User]>([:])

    init() {}

    func record(_ user: User, for channel: any Channel) {
        let connection = ObjectIdentifier(channel)
        users.withLock { $0[connection] = user }
        // Runs at once when the channel is already closed.
        channel.closeFuture.whenComplete { _ in self.forget(connection) }
    }

    func user(of connection: ObjectIdentifier) -> User? {
        users.withLock { $0[connection] }
    }

    var count: Int { users.withLock { $0.count } }

    private func forget(_ connection: ObjectIdentifier) {
        _ = users.withLock { $0.removeValue(forKey: connection) }
    }
}
