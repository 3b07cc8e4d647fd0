/// One value per query, stored inline (no hashing on the hot path), indexed by `QueryName`.
public struct PerQuery<Value: Sendable & Equatable>: Sendable, Equatable {
    public var sumFareWindow: Value
    public var tripsTotal: Value
    public var hotspotCommunityWindow: Value
    public var hotspotWindow: Value

    /// Each query's value from `make`.
    public init(_ make: (QueryName) throws -> Value) rethrows {
        sumFareWindow = try make(.sumFareWindow)
        tripsTotal = try make(.tripsTotal)
        hotspotCommunityWindow = try make(.hotspotCommunityWindow)
        hotspotWindow = try make(.hotspotWindow)
    }

    public init(repeating value: Value) {
        sumFareWindow = value
        tripsTotal = value
        hotspotCommunityWindow = value
        hotspotWindow = value
    }

    @inlinable
    public subscript(query: QueryName) -> Value {
        get {
            switch query {
            case .sumFareWindow: sumFareWindow
            case .tripsTotal: tripsTotal
            case .hotspotCommunityWindow: hotspotCommunityWindow
            case .hotspotWindow: hotspotWindow
            }
        }
        set {
            switch query {
            case .sumFareWindow: sumFareWindow = newValue
            case .tripsTotal: tripsTotal = newValue
            case .hotspotCommunityWindow: hotspotCommunityWindow = newValue
            case .hotspotWindow: hotspotWindow = newValue
            }
        }
    }

    public var all: [Value] { QueryName.allCases.map { self[$0] } }
}
