import Foundation
import TripCore
import TripEngine
import TripSinks

/// Applies epochs to the SQLite mirror on a thread of its own, strictly in epoch order, so that SQLite's
/// work overlaps with parsing and windowing of the next epoch (the machine has two cores). At most `depth`
/// epochs wait; the producer blocks beyond that, so memory stays bounded. The first error stops the writer
/// and is rethrown to the producer at its next `submit` or at `finish`.
final class MirrorWriter: @unchecked Sendable {
    struct Job {
        var output: EpochOutput
        var deadLetters: [DeadLetter]
        var progress: EpochProgress
        var counters: Counters
    }

    private let mirror: SQLiteMirror
    private let depth: Int
    private let condition = NSCondition()
    private var queue: [Job] = []
    private var closed = false
    private var done = false
    private var failure: Error?
    /// Seconds the writer thread spent applying epochs (for the debug log).
    private(set) var busySeconds = 0.0

    init(mirror: SQLiteMirror, depth: Int = 2) {
        self.mirror = mirror
        self.depth = depth
        let thread = Thread { [self] in self.loop() }
        thread.name = "tripstream-mirror"
        thread.start()
    }

    func submit(_ job: Job) throws {
        condition.lock()
        defer { condition.unlock() }
        while queue.count >= depth && failure == nil { condition.wait() }
        if let failure { throw failure }
        queue.append(job)
        condition.broadcast()
    }

    /// Waits until every submitted epoch is applied (or the writer failed).
    func finish() throws {
        condition.lock()
        defer { condition.unlock() }
        closed = true
        condition.broadcast()
        while !done { condition.wait() }
        if let failure { throw failure }
    }

    private func loop() {
        while true {
            condition.lock()
            while queue.isEmpty && !closed { condition.wait() }
            guard let job = queue.first else {
                done = true
                condition.broadcast()
                condition.unlock()
                return
            }
            condition.unlock()
            let start = Clock.monotonicSeconds()
            do {
                try mirror.apply(job.output, deadLetters: job.deadLetters, progress: job.progress, counters: job.counters)
            } catch {
                condition.lock()
                failure = error
                queue.removeAll()
                done = true
                condition.broadcast()
                condition.unlock()
                return
            }
            condition.lock()
            busySeconds += Clock.monotonicSeconds() - start
            queue.removeFirst()
            condition.broadcast()
            condition.unlock()
        }
    }
}
