/// How a browser should treat a downloaded attachment: show it in place, or save it.
public enum AttachmentDisposition: String, Sendable {
    case inline, attachment
}
