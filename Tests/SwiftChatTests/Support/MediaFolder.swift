import Foundation
@testable import SwiftChatServer

/// The files of the local-disk storage of an app under test: its blobs under the media folder,
/// and the uploads being written in its `tmp/` folder.
struct MediaFolder {
    let root: URL

    init(_ runtime: AppRuntime) {
        root = URL(fileURLWithPath: runtime.settings.media.directory)
    }

    /// Stored blobs (thumbnails included), as paths relative to the media folder.
    var storedFiles: Set<String> { Set(Self.files(under: root).filter { !$0.hasPrefix("tmp/") }) }

    /// Uploads under way (or left behind by one that failed).
    var temporaryFiles: Set<String> { Set(Self.files(under: root.appendingPathComponent("tmp"))) }

    /// The regular files under `folder`, relative to it.
    static func files(under folder: URL) -> [String] {
        let base = folder.standardizedFileURL.path + "/"
        let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey])
        var found: [String] = []
        while let url = walker?.nextObject() as? URL {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true else { continue }
            let path = url.standardizedFileURL.path
            found.append(path.hasPrefix(base) ? String(path.dropFirst(base.count)) : path)
        }
        return found
    }
}
