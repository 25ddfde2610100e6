package io.flotilla.train.dist;

/**
 * One FedAvg round as it ended.
 *
 * @param round     the round (0-based)
 * @param clients   clients whose updates are in the mean (0 when aborted)
 * @param dropped   clients of the round that failed before it completed (their masks were removed)
 * @param aborted   fewer clients survived than the threshold: nothing was unmasked, nothing applied
 * @param epsilon   differential privacy spent so far (ε at δ = {@value FederatedAggregator#DELTA}), 0 without DP
 */
public record RoundStats(long round, int clients, int dropped, boolean aborted, double epsilon) {}
