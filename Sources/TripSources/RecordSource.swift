import TripParsing

/// One record as read: where it starts in its source, its bytes (valid until the next `next()`),
/// and, for a record the tokenizer could not split, why.
public struct RawRecord {
    public let offset: Int64
    public let bytes: UnsafeRawBufferPointer
    public let malformed: String?
    /// The record's event time when the source already computed it (the event-time sort's key): the decoder
    /// need not parse the timestamp again.
    public var eventTime: Int64?

    public init(offset: Int64, bytes: UnsafeRawBufferPointer, malformed: String?, eventTime: Int64? = nil) {
        self.offset = offset
        self.bytes = bytes
        self.malformed = malformed
        self.eventTime = eventTime
    }
}

/// A source of CSV records in processing order. The field bounds of the last record are in `fields`.
public protocol RecordSource: AnyObject {
    /// The source's name in dead letters and progress: the file path, or `-` for stdin.
    var name: String { get }
    var header: CSVHeader { get }
    /// `file` or `event-time`.
    var orderMode: String { get }
    func next() throws -> RawRecord?
    var fields: CSVFields { get }
    /// Where the record after the last one returned starts (byte offset, or sorted ordinal).
    var position: Int64 { get }
    /// Progress for display: units done and total, when known (bytes; or records once sorted).
    var progressDone: Int64 { get }
    var progressTotal: Int64? { get }
}

/// A source that cannot be read.
public struct SourceError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
