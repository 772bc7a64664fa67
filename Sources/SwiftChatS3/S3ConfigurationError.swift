/// A setting of the S3 storage that cannot work, said at startup rather than at the first upload.
public struct S3ConfigurationError: Error, CustomStringConvertible, Equatable {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
