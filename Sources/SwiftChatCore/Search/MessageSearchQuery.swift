/// What a user searches their messages for, parsed by our own small grammar so that no text a
/// user types ever reaches a database's query syntax: words are matched as words (all of them),
/// `"two words"` as a phrase, and `word*` as a prefix. The terms are rebuilt for each store from
/// letters and digits only, so FTS5 or `tsquery` operators in the input are plain words.
public struct MessageSearchQuery: Sendable, Equatable {
    /// One term: its words in order (a phrase when more than one), the last one a prefix if asked.
    public struct Term: Sendable, Equatable {
        public let words: [String]
        public let isPrefix: Bool
    }

    public let terms: [Term]

    /// The longest `q` read at all.
    public static let maxLength = 500

    /// Throws a 400 on `q` for an empty query, an unclosed quote, or more or longer words than allowed.
    public init(_ text: String, maxTerms: Int, maxTermLength: Int) throws {
        guard text.utf8.count <= Self.maxLength else { throw APIError.field("q", "Search for at most \(Self.maxLength) characters.") }
        var terms: [Term] = []
        var rest = Substring(text)
        while let start = rest.firstIndex(where: { !$0.isWhitespace }) {
            rest = rest[start...]
            let piece: Substring
            var isPrefix = false
            if rest.first == "\"" {
                let body = rest.dropFirst()
                guard let close = body.firstIndex(of: "\"") else { throw APIError.field("q", "A quote is opened and not closed.") }
                piece = body[..<close]
                rest = body[body.index(after: close)...]
            } else {
                let end = rest.firstIndex(where: { $0.isWhitespace || $0 == "\"" }) ?? rest.endIndex
                var word = rest[..<end]
                rest = rest[end...]
                while word.last == "*" {
                    word = word.dropLast()
                    isPrefix = true
                }
                piece = word
            }
            let words = Self.words(of: piece)
            guard !words.isEmpty else { continue }
            if let long = words.first(where: { $0.count > maxTermLength }) {
                throw APIError.field("q", "\"\(long.prefix(20))…\" is longer than \(maxTermLength) characters.")
            }
            terms.append(Term(words: words, isPrefix: isPrefix))
            guard terms.reduce(0, { $0 + $1.words.count }) <= maxTerms else {
                throw APIError.field("q", "Search for at most \(maxTerms) words.")
            }
        }
        guard !terms.isEmpty else { throw APIError.field("q", "Give a word to search for.") }
        self.terms = terms
    }

    /// The runs of letters and digits, lowercased: what both stores' tokenizers see as words.
    static func words(of text: Substring) -> [String] {
        text.split { !($0.isLetter || $0.isNumber) }.map { $0.lowercased() }
    }

    /// For SQLite's FTS5: each term a quoted phrase (the words hold no quotes), all required.
    public var fts5: String {
        terms.map { "\"" + $0.words.joined(separator: " ") + "\"" + ($0.isPrefix ? " *" : "") }.joined(separator: " ")
    }

    /// For PostgreSQL's `to_tsquery('simple', …)`: words follow each other within a term, all terms required.
    public var tsquery: String {
        terms.map { term in
            term.words.enumerated().map { index, word in
                word + (term.isPrefix && index == term.words.count - 1 ? ":*" : "")
            }.joined(separator: " <-> ")
        }.joined(separator: " & ")
    }
}
