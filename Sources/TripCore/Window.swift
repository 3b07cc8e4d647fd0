/// A time window shape aligned to the Unix epoch, like Spark's `window(col, length, slide)`:
/// windows are `[start, start + length)` with `start` a multiple of `slide`; tumbling when slide == length.
public struct WindowSpec: Sendable, Equatable, Hashable {
    public let length: EventTime
    public let slide: EventTime

    public init(length: EventTime, slide: EventTime) {
        precondition(length > 0 && slide > 0, "window length and slide must be positive")
        self.length = length
        self.slide = slide
    }

    public static func tumbling(_ length: EventTime) -> WindowSpec { WindowSpec(length: length, slide: length) }

    /// Start of the latest window containing `t` (the one with the largest start).
    @inlinable
    public func lastStart(containing t: EventTime) -> EventTime { t - floorMod(t, slide) }

    /// Number of windows containing any instant (ceil(length / slide)) when length is a multiple of slide;
    /// in general an instant belongs to every `lastStart - k*slide` with `start + length > t`.
    public var windowsPerEvent: Int { Int((length + slide - 1) / slide) }

    /// Calls `body` with the start of every window containing `t`, latest first.
    @inlinable
    public func forEachStart(containing t: EventTime, _ body: (EventTime) -> Void) {
        var start = lastStart(containing: t)
        while start + length > t {
            body(start)
            start -= slide
        }
    }
}
