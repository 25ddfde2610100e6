package io.flotilla.placement;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Random heterogeneous models and clusters for the planner tests. */
final class RandomClusters {
    static final long MB = 1L << 20;
    private static final List<String> TYPES = List.of("Q8_0", "F16");

    private RandomClusters() {
    }

    static ModelSpec model(Random random, int layers) {
        List<LayerSpec> specs = new ArrayList<>();
        for (int i = 0; i < layers; i++) {
            long bytes = (50 + random.nextInt(150)) * MB;
            specs.add(new LayerSpec(bytes, 2.0 * bytes, bytes, 4096 + random.nextInt(8192),
                    TYPES.get(random.nextInt(TYPES.size()))));
        }
        long embedding = (20 + random.nextInt(100)) * MB;
        long output = (20 + random.nextInt(200)) * MB;
        return new ModelSpec("random-" + layers, new LayerSpec(embedding, 0, 8192, 0, "F16"), specs,
                new LayerSpec(output, 2.0 * output, output, 0, TYPES.get(random.nextInt(TYPES.size()))),
                4096 + random.nextInt(8192));
    }

    /**
     * Nodes whose memory, in total, holds the model between 0.8 and 3 times (so some clusters
     * cannot take it, most must split it, some can replicate it).
     */
    static ClusterCapacity cluster(Random random, int nodeCount, ModelSpec model, long kvTokens) {
        return cluster(random, nodeCount, model, kvTokens, 0.8 + 2.2 * random.nextDouble());
    }

    /** Nodes whose memory, in total, holds the model {@code totalShare} times. */
    static ClusterCapacity cluster(Random random, int nodeCount, ModelSpec model, long kvTokens, double totalShare) {
        long need = model.weightBytes() + model.kvBytesPerToken() * kvTokens;
        double[] weights = new double[nodeCount];
        double sum = 0;
        for (int i = 0; i < nodeCount; i++) {
            weights[i] = 0.2 + random.nextDouble();
            sum += weights[i];
        }
        List<NodeCapacity> nodes = new ArrayList<>();
        for (int i = 0; i < nodeCount; i++) {
            long memory = (long) (need * totalShare * weights[i] / sum);
            double bandwidth = (5 + random.nextInt(95)) * 1e9;
            Map<String, Double> flops = Map.of("Q8_0", (10 + random.nextInt(490)) * 1e9,
                    "F16", (10 + random.nextInt(490)) * 1e9);
            nodes.add(new NodeCapacity("n" + i, memory, bandwidth, flops));
        }
        Map<String, Map<String, LinkStats>> links = new HashMap<>();
        for (int i = 0; i < nodeCount; i++) {
            Map<String, LinkStats> row = new HashMap<>();
            for (int j = i + 1; j < nodeCount; j++) {
                double rtt = random.nextBoolean() ? 50e-6 + random.nextDouble() * 500e-6 : 2e-3 + random.nextDouble() * 30e-3;
                row.put("n" + j, new LinkStats(rtt, (1 + random.nextInt(1250)) * 1e6));
            }
            links.put("n" + i, row);
        }
        return new ClusterCapacity(nodes, links, new LinkStats(1e-3, 1e8));
    }
}
