import TripCore

/// A `RowLayout` compiled against one CSV header: a step per column that has a field (or is a pseudo-column),
/// each a small plain value naming what to do, the field and the row slot. The decode runs the steps over
/// raw pointers, so a column costs a dispatch, its parser and a store: no per-column look-ups, optionals,
/// bounds or uniqueness checks (docs/performance.md, part 9). A class: the decode's closures capture one
/// reference, where a struct's arrays were copied (retained) into them for every record.
final class CSVRowPlan {
    enum Operation: UInt8 {
        /// The time column: its value is the record's event time, parsed before the steps run.
        case eventTime
        case kafkaTimestamp, ingestTime
        /// A decimal of scale 2 (money), an integer, a text group key: the commonest columns, parsed inline.
        case cents, integer, interned
        /// Any other decimal, a timestamp, text coded by literal: out of line.
        case other
    }

    struct Step {
        var operation: Operation
        /// The row slot (`TripColumn.rawValue`).
        var column: UInt8
        var field: Int32
        /// Index of this column's parser in `parsers`.
        var parser: Int32
    }

    let steps: [Step]
    let parsers: [QueryColumnParser]
    let literals: QueryColumnParser.Literals
    let zone: ZoneRules
    let header: CSVHeader

    /// `timeField`: the header's field of the event time (its value is copied, not parsed again);
    /// `ingestTimeIsEventTime` for an ingest-time replay, whose event time is that reading of the clock already.
    init(layout: RowLayout, header: CSVHeader, timeField: Int?, ingestTimeIsEventTime: Bool, zone: ZoneRules) {
        let (parsers, literals) = QueryColumnParser.all(layout)
        var steps: [Step] = []
        for (i, parser) in parsers.enumerated() {
            let field = header.index(of: parser.column.name)
            let operation: Operation
            switch parser.kind {
            case .kafkaTimestamp: operation = .kafkaTimestamp
            case .ingestTime: operation = ingestTimeIsEventTime ? .eventTime : .ingestTime
            case _ where field == nil: continue  // absent: NULL in every row
            case _ where field == timeField: operation = .eventTime
            case .decimal(scale: 2): operation = .cents
            case .integer: operation = .integer
            case .interned: operation = .interned
            default: operation = .other
            }
            steps.append(Step(operation: operation, column: UInt8(parser.column.rawValue),
                              field: Int32(field ?? -1), parser: Int32(i)))
        }
        // Text group keys last: every step that may reject the record runs first, so a rejected record
        // interns nothing (the interner keeps what it is given for the life of the job).
        self.steps = steps.filter { $0.operation != .interned } + steps.filter { $0.operation == .interned }
        self.parsers = parsers
        self.literals = literals
        self.zone = zone
        self.header = header
        readsClock = steps.contains { $0.operation == .ingestTime }
    }

    /// Whether a step reads the clock (`ingest_time` in a replay by another time column).
    let readsClock: Bool

    /// What `decode` did with a record: the present bits, or the step whose field does not parse.
    struct Outcome {
        var present: UInt64 = 0
        var failedStep = -1
    }

    /// Runs the steps over one record's fields (as many as the header has) into `values`. `eventTime`: the
    /// record's, already parsed; `ingestTime`: the clock's reading when `readsClock`. A field that does not
    /// parse ends the decode (`rejection(step:…)` words why).
    @inline(__always)
    func decode(_ steps: UnsafeBufferPointer<Step>, fields: UnsafeBufferPointer<CSVField>,
                record: UnsafeRawBufferPointer, into values: UnsafeMutablePointer<Int64>,
                texts: inout StringInterner, eventTime: EventTime, kafkaTimestampMs: EventTime?,
                ingestTime: EventTime) -> Outcome {
        var outcome = Outcome()
        for i in 0..<steps.count {
            let step = steps[i]
            let value: Int64?
            switch step.operation {
            case .eventTime:
                value = eventTime
            case .kafkaTimestamp:
                value = kafkaTimestampMs
            case .ingestTime:
                value = ingestTime
            case .cents:
                do { value = try FieldParsers.cents(fields[Int(step.field)].bytes(in: record)) } catch {
                    outcome.failedStep = i
                    return outcome
                }
            case .integer:
                do { value = try FieldParsers.wholeNumber(fields[Int(step.field)].bytes(in: record)) } catch {
                    outcome.failedStep = i
                    return outcome
                }
            case .interned:
                let field = fields[Int(step.field)]
                if field.escapedQuotes {
                    value = try? otherValue(step, field, record: record, texts: &texts)  // text always parses
                } else {
                    let text = FieldParsers.trimmed(field.bytes(in: record))
                    value = text.isEmpty ? nil : Int64(texts.intern(text))
                }
            case .other:
                do {
                    value = try otherValue(step, fields[Int(step.field)], record: record, texts: &texts)
                } catch {
                    outcome.failedStep = i
                    return outcome
                }
            }
            if let value {
                values[Int(step.column)] = value
                outcome.present |= 1 << UInt64(step.column)
            }
        }
        return outcome
    }

    /// Why step `index`'s field in `record` does not parse (`decode` stopped there), naming the column as the
    /// header spells it (as the built-ins' `Trip` decode does).
    func rejection(step index: Int, fields: CSVFields, record: UnsafeRawBufferPointer,
                   texts: inout StringInterner) -> String {
        let step = steps[index]
        let name = header.names[Int(step.field)]
        do {
            _ = try otherValue(step, fields[fields.startIndex + Int(step.field)], record: record, texts: &texts)
            return "bad \(name)"
        } catch {
            return error.naming(name).reason
        }
    }

    /// A column of kind `.other` (text, timestamps, decimals of another scale): out of line, so that the loop
    /// stays small; a text field with `""` in it is parsed from its unescaped copy.
    @inline(never)
    func otherValue(_ step: Step, _ field: CSVField, record: UnsafeRawBufferPointer,
                    texts: inout StringInterner) throws(QueryColumnParser.Rejection) -> Int64? {
        let parser = parsers[Int(step.parser)]
        let bytes = field.bytes(in: record)
        guard parser.isText && field.escapedQuotes else {
            return try parser.value(bytes, zone: zone, texts: &texts, literals: literals)
        }
        let unescaped = TripDecoder.unescapingQuotes(FieldParsers.trimmed(bytes))
        var result: Result<Int64?, QueryColumnParser.Rejection> = .success(nil)
        unescaped.withUnsafeBytes { b in
            result = Result { () throws(QueryColumnParser.Rejection) in
                try parser.value(b, zone: zone, texts: &texts, literals: literals)
            }
        }
        return try result.get()
    }
}
