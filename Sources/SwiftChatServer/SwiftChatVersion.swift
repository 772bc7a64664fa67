/// The release of this server, printed by `swiftchat --version`; raise it with every release.
public enum SwiftChatVersion {
    public static let current = "0.1.0"
}
