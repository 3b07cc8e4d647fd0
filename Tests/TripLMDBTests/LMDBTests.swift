import Foundation
import Testing
@testable import TripLMDB
import TripTesting

func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

@Suite struct LMDBTests {
    @Test func putGetDeleteInNamedDatabases() throws {
        let env = try LMDBEnvironment(path: scratchDirectory("lmdb"))
        let a = try env.database(named: "a", create: true)
        let b = try env.database(named: "b", create: true)
        try env.write { txn in
            try txn.put(a, bytes("k"), bytes("in a"))
            try txn.put(b, bytes("k"), bytes("in b"))
        }
        let got = try env.read { txn in
            [try txn.get(a, bytes("k")), try txn.get(b, bytes("k")), try txn.get(a, bytes("missing"))]
        }
        #expect(got == [bytes("in a"), bytes("in b"), nil])
        let deleted = try env.write { txn in [try txn.delete(a, bytes("k")), try txn.delete(a, bytes("k"))] }
        #expect(deleted == [true, false])
        #expect(try env.read { try $0.get(a, bytes("k")) } == nil)
    }

    @Test func cursorWalksKeysInByteOrder() throws {
        let env = try LMDBEnvironment(path: scratchDirectory("lmdb"))
        let db = try env.database(named: "c", create: true)
        let keys: [UInt64] = [300, 2, 70_000, 1 << 40, 0]
        try env.write { txn in
            for k in keys { try txn.put(db, withUnsafeBytes(of: k.bigEndian) { Array($0) }, bytes("v\(k)")) }
        }
        let seen: [UInt64] = try env.read { txn in
            let c = try txn.cursor(db)
            var out: [UInt64] = []
            var entry = try c.first()
            while let e = entry {
                out.append(e.key.reduce(0) { $0 << 8 | UInt64($1) })  // big-endian keys sort as numbers
                entry = try c.next()
            }
            return out
        }
        #expect(seen == keys.sorted())
        let from = try env.read { try $0.cursor(db).seek(withUnsafeBytes(of: UInt64(3).bigEndian) { Array($0) }) }
        #expect(from?.value == bytes("v300"))
    }

    @Test func aThrowingWriteIsAborted() throws {
        let env = try LMDBEnvironment(path: scratchDirectory("lmdb"))
        let db = try env.database(named: "t", create: true)
        try env.write { try $0.put(db, bytes("x"), bytes("1")) }
        struct Stop: Error {}
        #expect(throws: Stop.self) {
            try env.write { txn in
                try txn.put(db, bytes("x"), bytes("2"))
                try txn.put(db, bytes("y"), bytes("2"))
                throw Stop()
            }
        }
        let after = try env.read { txn in [try txn.get(db, bytes("x")), try txn.get(db, bytes("y"))] }
        #expect(after == [bytes("1"), nil])
    }

    @Test func dataSurvivesReopening() throws {
        let dir = scratchDirectory("lmdb")
        do {
            let env = try LMDBEnvironment(path: dir)
            let db = try env.database(named: "p", create: true)
            try env.write { try $0.put(db, bytes("epoch"), bytes("42")) }
        }
        let env = try LMDBEnvironment(path: dir)
        let db = try env.database(named: "p", create: false)
        #expect(try env.read { try $0.get(db, bytes("epoch")) } == bytes("42"))
    }

    @Test func errorPathsCarryLMDBMessages() throws {
        // a directory that does not exist
        do {
            _ = try LMDBEnvironment(path: "/nonexistent/tripstream-state")
            Issue.record("opened a missing directory")
        } catch let e as LMDBError {
            #expect(e.message.contains("No such file or directory"))
        }
        // a foreign file where the data file should be
        let dir = scratchDirectory("lmdb")
        try Data(repeating: 0x41, count: 20_000).write(to: URL(fileURLWithPath: dir + "/data.mdb"))
        do {
            _ = try LMDBEnvironment(path: dir)
            Issue.record("opened a foreign file")
        } catch let e as LMDBError {
            #expect(e.isNotLMDB, "\(e)")
        }
        // writing in a read-only transaction, opening a missing database without create
        let env = try LMDBEnvironment(path: scratchDirectory("lmdb"))
        let db = try env.database(named: "w", create: true)
        #expect(throws: LMDBError.self) { try env.read { try $0.put(db, bytes("a"), bytes("b")) } }
        #expect(throws: LMDBError.self) { _ = try env.database(named: "absent", create: false) }
    }

    @Test func aFullMapIsAnErrorAndKeepsTheLastCommit() throws {
        let env = try LMDBEnvironment(path: scratchDirectory("lmdb"), mapSize: 1 << 20)
        let db = try env.database(named: "m", create: true)
        try env.write { try $0.put(db, bytes("kept"), bytes("yes")) }
        do {
            try env.write { txn in
                for i in 0..<1000 { try txn.put(db, bytes("k\(i)"), [UInt8](repeating: 7, count: 4096)) }
            }
            Issue.record("a 4 MB write fitted in a 1 MB map")
        } catch let e as LMDBError {
            #expect(e.isMapFull)
        }
        #expect(try env.read { try $0.get(db, bytes("kept")) } == bytes("yes"))
        #expect(try env.read { try $0.get(db, bytes("k0")) } == nil)
    }

    @Test func aTruncatedDataFileIsRefusedNotMapped() throws {
        let dir = scratchDirectory("lmdb")
        do {
            let env = try LMDBEnvironment(path: dir)
            let db = try env.database(named: "big", create: true)
            try env.write { txn in
                for i in 0..<200 { try txn.put(db, bytes("k\(i)"), [UInt8](repeating: 1, count: 2000)) }
            }
        }
        let path = dir + "/data.mdb"
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: UInt64(size / 2))
        try handle.close()
        #expect(throws: LMDBError.self) { _ = try LMDBEnvironment(path: dir) }
    }
}
