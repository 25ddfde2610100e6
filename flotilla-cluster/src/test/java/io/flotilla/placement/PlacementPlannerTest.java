package io.flotilla.placement;

import static io.flotilla.placement.RandomClusters.MB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PlacementPlannerTest {
    private static final long KV_TOKENS = 2048;

    @Test
    void latencyPlansMatchExhaustiveSearchOnRandomClusters() throws PlacementException {
        compareWithExhaustive(PlacementObjective.LATENCY, 11);
    }

    @Test
    void throughputPlansMatchExhaustiveSearchOnRandomClusters() throws PlacementException {
        compareWithExhaustive(PlacementObjective.THROUGHPUT, 12);
    }

    private static void compareWithExhaustive(PlacementObjective objective, long seed) throws PlacementException {
        Random random = new Random(seed);
        int planned = 0;
        for (int round = 0; round < 60; round++) {
            int nodes = 1 + random.nextInt(8);
            int layers = nodes > 5 ? 3 + random.nextInt(3) : 3 + random.nextInt(9);
            ModelSpec model = RandomClusters.model(random, layers);
            PlacementRequest request = new PlacementRequest(model, RandomClusters.cluster(random, nodes, model,
                    KV_TOKENS), objective, KV_TOKENS);
            PlacementCostModel cost = new PlacementCostModel(request, sortedNodes(request));
            ExhaustiveSearch exhaustive = new ExhaustiveSearch(cost);
            double bestThroughput = objective == PlacementObjective.THROUGHPUT ? exhaustive.bestThroughput() : 0;
            if (exhaustive.bestLatency == Double.POSITIVE_INFINITY) {
                assertThatThrownBy(() -> PlacementPlanner.plan(request)).isInstanceOf(PlacementException.class);
                continue;
            }
            PlacementPlan plan = PlacementPlanner.plan(request);
            planned++;
            assertValid(plan, request);
            if (objective == PlacementObjective.LATENCY) {
                assertThat(plan.secondsPerToken()).as("round %d", round)
                        .isLessThanOrEqualTo(exhaustive.bestLatency * 1.02);
            } else {
                assertThat(plan.tokensPerSecond()).as("round %d", round)
                        .isGreaterThanOrEqualTo(bestThroughput / 1.02);
            }
            PlacementPlan.Pipeline baseline = splitByMemory(cost);
            if (baseline != null) {
                assertThat(objective == PlacementObjective.LATENCY
                        ? plan.secondsPerToken() <= baseline.secondsPerToken() * (1 + 1e-9)
                        : plan.tokensPerSecond() >= baseline.tokensPerSecond() * (1 - 1e-9))
                        .as("round %d: plan %s worse than memory split %s", round, plan, baseline).isTrue();
            }
        }
        assertThat(planned).as("most random clusters can hold their model").isGreaterThan(30);
    }

    private static List<NodeCapacity> sortedNodes(PlacementRequest request) {
        List<NodeCapacity> nodes = new ArrayList<>(request.cluster().nodes());
        nodes.sort(Comparator.comparing(NodeCapacity::nodeId));
        return nodes;
    }

    /** Stages fit memory, cover every layer once in order, embed first and project last. */
    private static void assertValid(PlacementPlan plan, PlacementRequest request) {
        assertThat(plan.replicas()).isNotEmpty();
        List<String> used = new ArrayList<>();
        for (PlacementPlan.Pipeline pipeline : plan.replicas()) {
            List<PlacementPlan.Stage> stages = pipeline.stages();
            int next = 0;
            for (int s = 0; s < stages.size(); s++) {
                PlacementPlan.Stage stage = stages.get(s);
                NodeCapacity node = request.cluster().nodes().stream()
                        .filter(c -> c.nodeId().equals(stage.nodeId())).findFirst().orElseThrow();
                assertThat(stage.memoryBytes()).isLessThanOrEqualTo(node.usableMemoryBytes());
                assertThat(stage.firstLayer()).isEqualTo(next);
                assertThat(stage.lastLayer()).as("every stage holds a layer (%s)", stage).isGreaterThan(next);
                assertThat(stage.embeds()).isEqualTo(s == 0);
                assertThat(stage.projects()).isEqualTo(s == stages.size() - 1);
                next = stage.lastLayer();
                used.add(stage.nodeId());
            }
            assertThat(next).isEqualTo(request.model().layers().size());
        }
        assertThat(used).doesNotHaveDuplicates();
    }

    private static PlacementPlan.Pipeline splitByMemory(PlacementCostModel cost) {
        return PlacementPlanner.splitByMemory(cost);
    }

    @Test
    void samePlanForSameInputInAnyNodeOrder() throws PlacementException {
        Random random = new Random(5);
        ModelSpec model = RandomClusters.model(random, 24);
        ClusterCapacity cluster = RandomClusters.cluster(random, 6, model, KV_TOKENS);
        List<NodeCapacity> shuffled = new ArrayList<>(cluster.nodes());
        Collections.shuffle(shuffled, random);
        ClusterCapacity reordered = new ClusterCapacity(shuffled, cluster.links(), cluster.defaultLink());
        for (PlacementObjective objective : PlacementObjective.values()) {
            PlacementPlan first = PlacementPlanner.plan(new PlacementRequest(model, cluster, objective, KV_TOKENS));
            PlacementPlan again = PlacementPlanner.plan(new PlacementRequest(model, cluster, objective, KV_TOKENS));
            PlacementPlan other = PlacementPlanner.plan(new PlacementRequest(model, reordered, objective, KV_TOKENS));
            assertThat(again).isEqualTo(first);
            assertThat(other).isEqualTo(first);
        }
    }

    private static NodeCapacity node(String id, long memoryMb, double bandwidthGb, double gflops) {
        return new NodeCapacity(id, memoryMb * MB, bandwidthGb * 1e9, Map.of("Q8_0", gflops * 1e9, "F16", gflops * 1e9));
    }

    private static ModelSpec uniformModel(int layers, long layerMb) {
        LayerSpec layer = new LayerSpec(layerMb * MB, 2.0 * layerMb * MB, layerMb * MB, 0, "Q8_0");
        LayerSpec small = new LayerSpec(MB, 0, 4096, 0, "F16");
        return new ModelSpec("uniform", small, Collections.nCopies(layers, layer), small, 8192);
    }

    @Test
    void reevaluatingAPlanUnderItsOwnRequestGivesItsCost() throws PlacementException {
        Random random = new Random(7);
        for (int round = 0; round < 40; round++) {
            int nodes = 1 + random.nextInt(6);
            ModelSpec model = RandomClusters.model(random, 3 + random.nextInt(6));
            PlacementObjective objective = round % 2 == 0 ? PlacementObjective.LATENCY : PlacementObjective.THROUGHPUT;
            PlacementRequest request = new PlacementRequest(model, RandomClusters.cluster(random, nodes, model,
                    KV_TOKENS), objective, KV_TOKENS);
            PlacementPlan plan;
            try {
                plan = PlacementPlanner.plan(request);
            } catch (PlacementException e) {
                continue;
            }
            PlacementPlan again = PlacementPlanner.reevaluate(request, plan);
            assertThat(again).isNotNull();
            assertThat(again.cost()).isCloseTo(plan.cost(), org.assertj.core.data.Percentage.withPercentage(1e-6));
        }
    }

    @Test
    void reevaluatingAfterALinkSlowedDownCostsMoreAndWithoutANodeIsImpossible() throws PlacementException {
        List<NodeCapacity> nodes = List.of(node("a", 1024, 20, 100), node("b", 1024, 20, 100));
        ModelSpec model = uniformModel(16, 100);
        PlacementRequest fast = new PlacementRequest(model, ClusterCapacity.uniform(nodes, new LinkStats(1e-4, 1e9)),
                PlacementObjective.LATENCY, 0);
        PlacementPlan plan = PlacementPlanner.plan(fast);
        assertThat(plan.replicas().getFirst().stages()).hasSize(2);

        PlacementRequest slow = new PlacementRequest(model, ClusterCapacity.uniform(nodes, new LinkStats(0.05, 1e6)),
                PlacementObjective.LATENCY, 0);
        assertThat(PlacementPlanner.reevaluate(slow, plan).cost()).isGreaterThan(plan.cost() + 0.02);
        PlacementRequest withoutB = new PlacementRequest(model, ClusterCapacity.uniform(nodes.subList(0, 1),
                new LinkStats(1e-4, 1e9)), PlacementObjective.LATENCY, 0);
        assertThat(PlacementPlanner.reevaluate(withoutB, plan)).isNull();
    }

    @Test
    void latencyDropsASlowNodeThatIsNotNeeded() throws PlacementException {
        ClusterCapacity cluster = ClusterCapacity.uniform(List.of(node("fast", 4096, 50, 200),
                node("slow", 4096, 5, 20)), new LinkStats(1e-3, 1e8));
        PlacementPlan plan = PlacementPlanner.plan(new PlacementRequest(uniformModel(16, 100), cluster,
                PlacementObjective.LATENCY, 0));
        assertThat(plan.replicas()).singleElement().satisfies(pipeline ->
                assertThat(pipeline.stages()).extracting(PlacementPlan.Stage::nodeId).containsExactly("fast"));
    }

    @Test
    void throughputReplicatesWhenTheModelFitsSeveralTimes() throws PlacementException {
        ClusterCapacity cluster = ClusterCapacity.uniform(List.of(node("a", 2048, 20, 100), node("b", 2048, 20, 100),
                node("c", 2048, 20, 100)), new LinkStats(1e-3, 1e8));
        PlacementPlan plan = PlacementPlanner.plan(new PlacementRequest(uniformModel(16, 100), cluster,
                PlacementObjective.THROUGHPUT, 0));
        assertThat(plan.replicas()).hasSize(3);
        assertThat(plan.tokensPerSecond()).isCloseTo(3 * plan.replicas().getFirst().tokensPerSecond(),
                org.assertj.core.data.Percentage.withPercentage(1));
    }

    @Test
    void throughputGivesTheFasterNodeMoreLayers() throws PlacementException {
        ClusterCapacity cluster = ClusterCapacity.uniform(List.of(node("big", 2048, 60, 300), node("small", 2048, 20, 100)),
                new LinkStats(1e-4, 1e9));
        PlacementPlan plan = PlacementPlanner.plan(new PlacementRequest(uniformModel(32, 100), cluster,
                PlacementObjective.THROUGHPUT, 0));
        PlacementPlan.Pipeline pipeline = plan.replicas().getFirst();
        assertThat(pipeline.stages()).hasSize(2);
        PlacementPlan.Stage big = pipeline.stages().stream().filter(s -> s.nodeId().equals("big")).findFirst().orElseThrow();
        assertThat(big.lastLayer() - big.firstLayer()).isBetween(18, 20);
    }

    @Test
    void memoryObjectiveSplitsByMemoryWhateverTheSpeedAndIsSlowerThanThePlan() throws PlacementException {
        ClusterCapacity cluster = ClusterCapacity.uniform(List.of(node("big", 2048, 60, 300), node("small", 2048, 20, 100)),
                new LinkStats(1e-4, 1e9));
        PlacementPlan naive = PlacementPlanner.plan(new PlacementRequest(uniformModel(32, 100), cluster,
                PlacementObjective.MEMORY, 0));
        PlacementPlan planned = PlacementPlanner.plan(new PlacementRequest(uniformModel(32, 100), cluster,
                PlacementObjective.THROUGHPUT, 0));
        assertThat(naive.objective()).isEqualTo(PlacementObjective.MEMORY);
        assertThat(naive.replicas().getFirst().stages()).extracting(PlacementPlan.Stage::nodeId)
                .containsExactly("big", "small");
        assertThat(naive.replicas().getFirst().stages()).allSatisfy(s ->
                assertThat(s.lastLayer() - s.firstLayer()).isBetween(15, 17));
        assertThat(planned.tokensPerSecond()).isGreaterThan(1.2 * naive.tokensPerSecond());
    }

    @Test
    void modelThatFitsNowhereIsRefusedWithTheNumbers() {
        ClusterCapacity cluster = ClusterCapacity.uniform(List.of(node("a", 500, 20, 100), node("b", 500, 20, 100)),
                new LinkStats(1e-3, 1e8));
        assertThatThrownBy(() -> PlacementPlanner.plan(new PlacementRequest(uniformModel(16, 100), cluster,
                PlacementObjective.LATENCY, 0)))
                .isInstanceOfSatisfying(PlacementException.class, e -> {
                    assertThat(e.neededBytes()).isEqualTo(1602 * MB);
                    assertThat(e.availableBytes()).isEqualTo(1000 * MB);
                })
                .hasMessageContaining("too little memory in total").hasMessageContaining("1,679,818,752");
        ClusterCapacity fragmented = ClusterCapacity.uniform(List.of(node("a", 90, 20, 100), node("b", 90, 20, 100)),
                new LinkStats(1e-3, 1e8));
        assertThatThrownBy(() -> PlacementPlanner.plan(new PlacementRequest(uniformModel(1, 100), fragmented,
                PlacementObjective.THROUGHPUT, 0)))
                .isInstanceOf(PlacementException.class).hasMessageContaining("block 1 alone needs");
    }

    @Test
    void eightNodesAndEightyLayersPlanQuickly() throws PlacementException {
        Random random = new Random(3);
        ModelSpec model = RandomClusters.model(random, 80);
        ClusterCapacity cluster = RandomClusters.cluster(random, 8, model, KV_TOKENS, 1.5);
        for (PlacementObjective objective : PlacementObjective.values()) {
            long start = System.nanoTime();
            PlacementPlan plan = PlacementPlanner.plan(new PlacementRequest(model, cluster, objective, KV_TOKENS));
            assertThat(plan.replicas().getFirst().stages().size()).isGreaterThan(1);
            assertThat((System.nanoTime() - start) / 1e9).as(objective.toString()).isLessThan(20.0);
        }
    }
}
