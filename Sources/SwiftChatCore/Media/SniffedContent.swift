/// A file's type as its bytes show it, with an image's size when the header gives it.
public struct SniffedContent: Sendable, Equatable {
    public var mimeType: String
    public var category: MediaCategory
    public var width: Int?
    public var height: Int?
    /// The canonical extension for `mimeType`, without the dot.
    public var fileExtension: String

    public init(mimeType: String, category: MediaCategory, width: Int? = nil, height: Int? = nil, fileExtension: String) {
        self.mimeType = mimeType
        self.category = category
        self.width = width
        self.height = height
        self.fileExtension = fileExtension
    }
}
