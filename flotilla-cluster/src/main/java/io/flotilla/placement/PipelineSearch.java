package io.flotilla.placement;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;

/**
 * Exact dynamic program over pipelines: state (nodes used, last node, blocks placed) holds the
 * best prefix cost, where a step gives the next node the next contiguous blocks that fit its
 * memory. Cost is either the sum of stage and hop times (one stream's latency) or their maximum
 * (a pipeline's bottleneck). Exponential in the node count, linear-squared in blocks.
 */
final class PipelineSearch {
    private final PlacementCostModel cost;
    private final boolean sum;
    private final int n;
    private final int blocks;
    private final int[] maxEnd; // [k * (blocks + 1) + begin]: largest end that fits node k
    private final double[] value;
    private final int[] parentLast;
    private final int[] parentBegin;

    PipelineSearch(PlacementCostModel cost, boolean sum) {
        this.cost = cost;
        this.sum = sum;
        this.n = cost.nodes().size();
        this.blocks = cost.blocks();
        this.maxEnd = new int[n * (blocks + 1)];
        for (int k = 0; k < n; k++) {
            for (int begin = 0, end = 0; begin <= blocks; begin++) {
                end = Math.max(end, begin);
                while (end < blocks && cost.fits(k, begin, end + 1)) {
                    end++;
                }
                maxEnd[k * (blocks + 1) + begin] = end;
            }
        }
        int states = (1 << n) * n * (blocks + 1);
        this.value = new double[states];
        this.parentLast = new int[states];
        this.parentBegin = new int[states];
    }

    private int index(int set, int last, int placed) {
        return (set * n + last) * (blocks + 1) + placed;
    }

    /** Fills the table for pipelines that start on node {@code first}, or on any node if -1. */
    void run(int first) {
        Arrays.fill(value, Double.POSITIVE_INFINITY);
        for (int k = 0; k < n; k++) {
            if (first < 0 || k == first) {
                for (int end = 1; end <= maxEnd[k * (blocks + 1)]; end++) {
                    if (!cost.holdsLayer(0, end)) {
                        continue;
                    }
                    int i = index(1 << k, k, end);
                    value[i] = cost.stageSeconds(k, 0, end);
                    parentLast[i] = -1;
                    parentBegin[i] = 0;
                }
            }
        }
        for (int set = 1; set < 1 << n; set++) {
            for (int last = 0; last < n; last++) {
                if ((set & (1 << last)) != 0) {
                    for (int placed = 1; placed < blocks; placed++) {
                        extend(set, last, placed);
                    }
                }
            }
        }
    }

    private void extend(int set, int last, int placed) {
        double prefix = value[index(set, last, placed)];
        if (prefix == Double.POSITIVE_INFINITY || !cost.holdsLayer(placed, blocks)) {
            return;
        }
        for (int k = 0; k < n; k++) {
            if ((set & (1 << k)) != 0) {
                continue;
            }
            double base = sum ? prefix + cost.hopSeconds(last, k) : Math.max(prefix, cost.hopTransferSeconds(last, k));
            int next = set | (1 << k);
            int limit = maxEnd[k * (blocks + 1) + placed];
            for (int end = placed + 1; end <= limit; end++) {
                double stage = cost.stageSeconds(k, placed, end);
                double total = sum ? base + stage : Math.max(base, stage);
                int i = index(next, k, end);
                if (total < value[i]) {
                    value[i] = total;
                    parentLast[i] = last;
                    parentBegin[i] = placed;
                }
            }
        }
    }

    /** Best cost of a complete pipeline using exactly {@code set}, ending on {@code last}. */
    double complete(int set, int last) {
        return value[index(set, last, blocks)];
    }

    /** The complete pipeline behind {@link #complete}, evaluated by the cost model. */
    PlacementPlan.Pipeline pipeline(int set, int last) {
        Deque<int[]> stages = new ArrayDeque<>(); // {node, end}
        for (int placed = blocks; ; ) {
            int i = index(set, last, placed);
            stages.push(new int[] {last, placed});
            int begin = parentBegin[i];
            if (begin == 0) {
                break;
            }
            int previous = parentLast[i];
            set &= ~(1 << last);
            last = previous;
            placed = begin;
        }
        int[] order = stages.stream().mapToInt(s -> s[0]).toArray();
        int[] ends = stages.stream().mapToInt(s -> s[1]).toArray();
        return cost.evaluate(order, ends);
    }
}
