/// What `ContentSniffer` made of a file's leading bytes.
public enum SniffOutcome: Sendable, Equatable {
    case recognized(SniffedContent)
    /// No known type: neither a known signature nor plain text.
    case unrecognized
    /// A known type that must not be accepted (a damaged header, or an image too large to
    /// decode safely); the text is meant for the client.
    case refused(String)
}
