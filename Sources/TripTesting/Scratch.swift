import Foundation

// Test support only: no product depends on this module.

/// A new, empty directory under the system's temporary directory, unique to this call (the label says which
/// tests made it, for whoever finds it left behind).
public func scratchDirectory(_ label: String = "tests") -> String {
    let dir = FileManager.default.temporaryDirectory
        .appendingPathComponent("tripstream-\(label)-\(getpid())-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.path
}

/// A path named `name` in a new scratch directory (nothing there yet).
public func scratchFile(_ name: String, label: String = "tests") -> String {
    scratchDirectory(label) + "/" + name
}

/// ../shared/data beside the checkout (override with TRIPSTREAM_SHARED_DATA): real rows of the data set, which
/// tests may read but the repository never holds.
public func sharedDataDirectory() -> String {
    if let env = ProcessInfo.processInfo.environment["TRIPSTREAM_SHARED_DATA"] { return env }
    let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return repo.deletingLastPathComponent().appendingPathComponent("shared/data").path
}
