/// The commit order as a value: no I/O, no lock, no clock. `CommitCoordinator` holds it under its lock, tells it
/// what happened, and performs the action it returns with the lock released.
///
/// The order, per epoch: cuts decided by time are logged first (a restart repeats them); the epoch is handed to
/// every sink in turn (`write`); once every sink holds it durably — at once for a sink that commits as it writes
/// (SQLite), when its deliveries are reported for one that delivers later (Kafka) — its checkpoint is written.
/// Checkpoints follow epoch order, so the checkpoint never gets ahead of what the sinks hold; a crash before it
/// leaves the sinks ahead of the checkpoint, and the restart writes those epochs again with identical keys and
/// values. The first failure stops everything: nothing is written or checkpointed after it.
struct CommitStateMachine<Job> {
    /// A cut decided by time: where epoch `epoch` ends in each partition.
    struct Cut: Equatable {
        var epoch: Int64
        var endOffsets: [Int64]
    }

    enum Action {
        /// Log these cuts durably before anything else.
        case logCuts([Cut])
        /// Hand the epoch to every sink, in order; then `wrote(…)`.
        case write(Job)
        /// Ask the sinks that deliver later whether everything through `epoch` is durable, without blocking; then
        /// `durable(through:at:)`.
        case checkDurable(through: Int64)
        /// Wait until everything through `epoch` is durable (too many epochs wait, or the coordinator closes); then
        /// `durable(through:at:)`.
        case awaitDurable(through: Int64)
        /// Every sink holds the epoch, visible since `visibleAt`: write its checkpoint; then `checkpointed()`.
        case checkpoint(Job, visibleAt: Double)
        /// Nothing to do until a submit, a close, a delivery report or the timeout (seconds; nil: none).
        case wait(timeout: Double?)
        /// Stop: every epoch is checkpointed (nil), or the first failure.
        case finish(Error?)
    }

    enum Submission {
        case accepted
        /// `depth` epochs are waiting to be written: wait for room.
        case full
        case failed(Error)
    }

    /// A job waiting to be written, or written and waiting to be durable.
    struct Entry {
        var epoch: Int64
        var job: Job
        /// Monotonic seconds when the sinks that deliver later had it (they report durability from then on).
        var sentAt = 0.0
        var visibleAt: Double?
    }

    /// Epochs submitted and not yet written; the first is being written once `write` was returned for it.
    private(set) var queued: [Entry] = []
    /// Epochs in every sink whose checkpoint waits for them to be durable, oldest first.
    private(set) var written: [Entry] = []
    private var cuts: [Cut] = []
    private var closed = false
    private(set) var failure: Error?
    private(set) var isFinished = false
    /// Delivery reports seen, and how many had been seen at the last `checkDurable`: a report since then is worth
    /// asking again.
    private var reports = 0
    private var checkedAtReports = -1

    /// At most this many epochs wait to be written before `submit` says full (each holds an output).
    let depth: Int
    /// At most this many epochs wait to be durable before the writer blocks on the oldest (each holds a snapshot).
    let maxWritten: Int
    /// Some sink delivers later (Kafka): an epoch is durable only when its deliveries are reported.
    let sinksDeliverLater: Bool
    /// How long to sleep between asking while deliveries are pending, should a report's wake-up be missed.
    static var deliveryPollSeconds: Double { 0.1 }

    init(depth: Int, maxWritten: Int, sinksDeliverLater: Bool) {
        precondition(depth >= 1 && maxWritten >= 0)
        self.depth = depth
        self.maxWritten = maxWritten
        self.sinksDeliverLater = sinksDeliverLater
    }

    // MARK: The producer's side

    mutating func submit(_ job: Job, epoch: Int64) -> Submission {
        precondition(!closed, "submit after close")
        if let failure { return .failed(failure) }
        if queued.count >= depth { return .full }
        queued.append(Entry(epoch: epoch, job: job))
        return .accepted
    }

    /// A cut to log before the epoch it ends is written (submit it before that epoch); nil, or the failure.
    mutating func logCut(_ cut: Cut) -> Error? {
        if let failure { return failure }
        cuts.append(cut)
        return nil
    }

    /// No more epochs: write and checkpoint those submitted, then finish.
    mutating func close() { closed = true }

    /// A sink that delivers later reported some deliveries.
    mutating func deliveryReported() { reports &+= 1 }

    // MARK: The writer's side

    mutating func nextAction() -> Action {
        if let failure {
            isFinished = true
            return .finish(failure)
        }
        if !cuts.isEmpty {
            defer { cuts.removeAll() }
            return .logCuts(cuts)
        }
        if let oldest = written.first {
            if let visibleAt = oldest.visibleAt { return .checkpoint(oldest.job, visibleAt: visibleAt) }
            if written.count > maxWritten { return .awaitDurable(through: oldest.epoch) }
            if checkedAtReports != reports {
                checkedAtReports = reports
                return .checkDurable(through: oldest.epoch)
            }
        }
        if let next = queued.first { return .write(next.job) }
        if closed {
            if let oldest = written.first { return .awaitDurable(through: oldest.epoch) }
            isFinished = true
            return .finish(nil)
        }
        return .wait(timeout: written.isEmpty ? nil : Self.deliveryPollSeconds)
    }

    /// The first queued epoch is in every sink: handed to the sinks that deliver later at `sentAt`, committed by
    /// the others at `committedAt` (monotonic seconds).
    mutating func wrote(sentAt: Double, committedAt: Double) {
        var entry = queued.removeFirst()
        entry.sentAt = sentAt
        if !sinksDeliverLater { entry.visibleAt = committedAt }
        written.append(entry)
        checkedAtReports = -1  // ask about the new state of deliveries before writing on
    }

    /// The answer to `checkDurable` / `awaitDurable` for the oldest written epoch: when everything through it was
    /// delivered (monotonic seconds), or nil while not.
    mutating func durable(through epoch: Int64, at deliveredAt: Double?) {
        guard let deliveredAt, let oldest = written.first, oldest.epoch == epoch else { return }
        // An epoch without messages is delivered as soon as it was handed over (the earlier ones delivered).
        written[0].visibleAt = max(oldest.sentAt, deliveredAt)
    }

    /// A `wait` ended (woken or timed out): ask about deliveries again, should a report's wake-up have been missed.
    mutating func waited() {
        checkedAtReports = -1
    }

    /// The oldest written epoch's checkpoint is written (or it had none).
    mutating func checkpointed() {
        written.removeFirst()
    }

    /// An action failed: nothing more is written or checkpointed.
    mutating func failed(_ error: Error) {
        if failure == nil { failure = error }
        queued.removeAll()
        cuts.removeAll()
    }
}
