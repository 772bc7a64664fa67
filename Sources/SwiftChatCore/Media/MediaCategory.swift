/// The broad kind of an attachment, for choosing how a client shows it.
public enum MediaCategory: String, Sendable {
    case image, video, audio, document
}
