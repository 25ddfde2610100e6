package io.flotilla.sched;

import java.util.ArrayDeque;

/**
 * A tenant's place in weighted fair queuing: its weight, its virtual time (tokens computed for
 * it divided by its weight) and its waiting requests in arrival order.
 */
final class Tenant {
    final String id;
    double weight = 1.0;
    double virtualTime;
    int numActive; // unfinished requests (waiting or running)
    int numRunning;
    long tokensProcessed;
    final ArrayDeque<RequestState> waiting = new ArrayDeque<>();

    Tenant(String id) {
        this.id = id;
    }

    void charge(int tokens) {
        virtualTime += tokens / weight;
        tokensProcessed += tokens;
    }

    TenantStats stats() {
        return new TenantStats(id, weight, virtualTime, waiting.size(), numRunning, tokensProcessed);
    }
}
