package io.flotilla.sched;

/**
 * One tenant's share of the engine.
 *
 * @param virtualTime     tokens computed for the tenant divided by its weight, lifted to the
 *                        least active tenant's when it comes back from idle
 * @param tokensProcessed all tokens computed for the tenant (prompt and generated), cumulative
 */
public record TenantStats(String tenantId, double weight, double virtualTime, int numWaiting, int numRunning,
        long tokensProcessed) {
}
