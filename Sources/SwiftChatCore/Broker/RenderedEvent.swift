/// An event rendered once per publication and shared by every recipient.
public struct RenderedEvent: Sendable {
    public let event: ChatEvent
    public let text: String
}
