public struct PhoneNumber: Hashable, Sendable, CustomStringConvertible {
    public let e164: String
    public init?(parsing text: String) {
        let t = text.filter { !$0.isWhitespace }
        guard t.hasPrefix("+"), t.dropFirst().allSatisfy(\.isNumber), t.count >= 12, t.count <= 16 else { return nil }
        e164 = t
    }
    public var description: String { e164 }
}
