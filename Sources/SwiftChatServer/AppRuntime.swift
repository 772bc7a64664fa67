import SwiftChatCore

/// What a running server is made of, for the CLI and for tests that look inside.
public struct AppRuntime: Sendable {
    public let settings: Settings
    public let store: any ChatStore
    public let broker: any Broker
    public let auth: AuthService
    let socketCounters: SocketCounters
    /// Users the handshake gate admitted, by open connection.
    let admissions: AdmittedConnections
    /// Every route served, with its documentation.
    let routes: RouteTable
    /// Where attachments are kept, and what clears out the ones no longer wanted.
    public let storage: any BlobStorage
    let mediaSweeper: MediaSweeper

    public var openSockets: Int { socketCounters.open }

    /// Releases database and broker connections once the application has stopped.
    public func shutdown() async {
        await broker.stop()
        await store.close()
    }
    public var socketsClosedForOverflow: Int { socketCounters.closedForOverflow }
}
