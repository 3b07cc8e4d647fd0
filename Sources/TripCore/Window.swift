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
}
