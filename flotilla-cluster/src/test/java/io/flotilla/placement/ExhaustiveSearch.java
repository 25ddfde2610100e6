package io.flotilla.placement;

/**
 * Brute force over every ordered subset of nodes and every cut of the blocks into that many
 * contiguous non-empty stages: the yardstick the planner is checked against.
 */
final class ExhaustiveSearch {
    private final PlacementCostModel cost;
    private final int n;
    private final int blocks;

    /** Best latency over all pipelines, and best bottleneck per exact node set. */
    double bestLatency = Double.POSITIVE_INFINITY;
    final double[] bestBottleneck;

    ExhaustiveSearch(PlacementCostModel cost) {
        this.cost = cost;
        this.n = cost.nodes().size();
        this.blocks = cost.blocks();
        this.bestBottleneck = new double[1 << n];
        java.util.Arrays.fill(bestBottleneck, Double.POSITIVE_INFINITY);
        int[] order = new int[n];
        for (int first = 0; first < n; first++) {
            order[0] = first;
            grow(order, 1, 1 << first);
        }
    }

    /** Every ordered subset: at each length, try every cut, then every longer order. */
    private void grow(int[] order, int length, int used) {
        int[] ends = new int[length];
        cuts(order, length, ends, 0, 0, used);
        for (int k = 0; k < n; k++) {
            if ((used & (1 << k)) == 0 && length < blocks) {
                order[length] = k;
                grow(order, length + 1, used | (1 << k));
            }
        }
    }

    private void cuts(int[] order, int length, int[] ends, int stage, int begin, int used) {
        if (stage == length - 1) {
            ends[stage] = blocks;
            if (begin < blocks) {
                score(order, length, ends, used);
            }
            return;
        }
        for (int end = begin + 1; end <= blocks - (length - 1 - stage); end++) {
            ends[stage] = end;
            cuts(order, length, ends, stage + 1, end, used);
        }
    }

    private void score(int[] order, int length, int[] ends, int used) {
        double latency = 0;
        double bottleneck = 0;
        for (int s = 0, begin = 0; s < length; begin = ends[s], s++) {
            if (!cost.fits(order[s], begin, ends[s]) || !cost.holdsLayer(begin, ends[s])) {
                return;
            }
            double stage = cost.stageSeconds(order[s], begin, ends[s]);
            latency += stage;
            bottleneck = Math.max(bottleneck, stage);
            if (s > 0) {
                latency += cost.hopSeconds(order[s - 1], order[s]);
                bottleneck = Math.max(bottleneck, cost.hopTransferSeconds(order[s - 1], order[s]));
            }
        }
        latency += cost.returnSeconds(order[length - 1], order[0]);
        bestLatency = Math.min(bestLatency, latency);
        bestBottleneck[used] = Math.min(bestBottleneck[used], bottleneck);
    }

    /** Largest total throughput over every way to give each node to one pipeline or to none. */
    double bestThroughput() {
        return assign(new int[n], 0, 0);
    }

    private double assign(int[] groupOf, int node, int groups) {
        if (node == n) {
            double total = 0;
            for (int g = 1; g <= groups; g++) {
                int set = 0;
                for (int k = 0; k < n; k++) {
                    set |= groupOf[k] == g ? 1 << k : 0;
                }
                if (bestBottleneck[set] == Double.POSITIVE_INFINITY) {
                    return 0; // a group that cannot hold the model is not a pipeline
                }
                total += 1 / bestBottleneck[set];
            }
            return total;
        }
        double best = 0;
        for (int g = 0; g <= groups + 1; g++) { // 0: unused; groups + 1: a new pipeline
            groupOf[node] = g;
            best = Math.max(best, assign(groupOf, node + 1, Math.max(groups, g)));
        }
        return best;
    }
}
