/// A message that matched a search, with the part of its text that matched.
public struct MessageSearchHit: Sendable, Equatable {
    /// A run of the snippet's text, matched or not: clients highlight without parsing markup.
    public struct Segment: Sendable, Equatable {
        public let text: String
        public let isMatch: Bool

        public init(text: String, isMatch: Bool) {
            self.text = text
            self.isMatch = isMatch
        }
    }

    public let message: ChatMessage
    public let snippet: [Segment]

    public init(message: ChatMessage, snippet: [Segment]) {
        self.message = message
        self.snippet = snippet
    }

    /// Where the stores' snippet functions put a match between; private-use characters, which
    /// a message might hold but which then only split its own snippet differently.
    public static let matchStart: Character = "\u{E000}"
    public static let matchEnd: Character = "\u{E001}"

    /// The segments of a snippet marked with `matchStart` and `matchEnd`.
    public static func segments(ofMarked marked: String) -> [Segment] {
        var segments: [Segment] = []
        var current = ""
        var inMatch = false
        func close() {
            if !current.isEmpty { segments.append(Segment(text: current, isMatch: inMatch)) }
            current = ""
        }
        for character in marked {
            switch character {
            case matchStart: close(); inMatch = true
            case matchEnd: close(); inMatch = false
            default: current.append(character)
            }
        }
        close()
        return segments
    }
}
