/// The machine cannot run the server as configured (a port taken, a database folder that cannot
/// be written). The CLI prints the description as one line and exits non-zero.
public struct StartupError: Error, CustomStringConvertible {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
