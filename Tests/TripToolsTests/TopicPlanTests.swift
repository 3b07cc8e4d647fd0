import Testing
import TripCore
import TripKafka
import TripTools

/// `create-topics`' plan: the tenant's six topics as TopicNames names them, with the sizes and settings asked for.
@Suite struct TopicPlanTests {
    /// Moved from CLITests' create-topics test (it asserts the same): the plan is computed here, not by the binary.
    @Test func planNamesTheTenantsTopicsWithCompactedResults() {
        let plan = TopicPlan.topics(tenant: "acme", ingestPartitions: 8, partitions: nil, replicationFactor: 3, compact: true)
        #expect(plan.map(\.name) == ["acme_ingestData", "acme_deadLetters", "acme_sumFareWindowStream", "acme_tripsTotalStream",
                                     "acme_hotspotCommunityPickupWindowStream", "acme_hotspotWindowStream"])
        #expect(plan.map(\.partitions) == [8, -1, -1, -1, -1, -1])
        #expect(plan.allSatisfy { $0.replicationFactor == 3 })
        #expect(plan.map { $0.settings["cleanup.policy"] } == [nil, nil, "compact", "compact", "compact", "compact"])
    }

    /// Every topic the pipeline reads or writes (TopicNames.all) is planned once; nothing given means the
    /// cluster's defaults (-1) and, without compaction, no settings at all.
    @Test func planCoversTopicNamesAndDefaultsToTheClusters() {
        let plan = TopicPlan.topics(tenant: "t-2.x", ingestPartitions: nil, partitions: 4, replicationFactor: nil, compact: false)
        #expect(plan.map(\.name) == TopicNames(tenant: "t-2.x").all)
        #expect(Set(plan.map(\.name)).count == plan.count)
        #expect(plan.map(\.partitions) == [-1, 4, 4, 4, 4, 4])
        #expect(plan.allSatisfy { $0.replicationFactor == -1 && $0.settings.isEmpty })
    }
}
