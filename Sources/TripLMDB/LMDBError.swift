import CLMDB

/// An LMDB failure: its return code, LMDB's own message (`mdb_strerror`) and what was being done.
public struct LMDBError: Error, CustomStringConvertible, Equatable {
    public let code: Int32
    public let message: String
    public let operation: String

    init(_ code: Int32, _ operation: String) {
        self.code = code
        self.message = String(cString: mdb_strerror(code))
        self.operation = operation
    }

    public var description: String { "LMDB error \(code) in \(operation): \(message)" }

    public var isMapFull: Bool { code == MDB_MAP_FULL }
    public var isNotLMDB: Bool { code == MDB_INVALID || code == MDB_VERSION_MISMATCH }
}

@inline(__always)
func check(_ rc: Int32, _ operation: @autoclosure () -> String) throws {
    if rc != MDB_SUCCESS { throw LMDBError(rc, operation()) }
}
