package io.flotilla.sched;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Waiting requests, grouped by tenant, served by weighted fair queuing: the next request to
 * admit is the oldest waiting one of the tenant with the least virtual time. The scheduler
 * charges a tenant for every token it computes for it ({@link Tenant#charge}), so a tenant with
 * weight 3 gets three times the tokens of a tenant with weight 1 while both have work, and a
 * flood from one tenant delays another's requests by a bounded amount.
 *
 * <p>A tenant coming back from idle starts at the least virtual time of the active tenants: idle
 * time is not saved up as credit.
 */
final class FairQueue {
    private final Map<String, Tenant> tenants = new LinkedHashMap<>();
    private int size;

    Tenant tenant(String id) {
        return tenants.computeIfAbsent(id, Tenant::new);
    }

    void setWeight(String tenantId, double weight) {
        if (!(weight > 0) || Double.isInfinite(weight)) {
            throw new IllegalArgumentException("weight of tenant " + tenantId + " must be > 0, got " + weight);
        }
        tenant(tenantId).weight = weight;
    }

    /** A new request joins the back of its tenant's queue. */
    void add(RequestState request) {
        Tenant tenant = request.tenant;
        if (tenant.numActive == 0) {
            tenant.virtualTime = Math.max(tenant.virtualTime, minActiveVirtualTime(tenant.virtualTime));
        }
        tenant.numActive++;
        tenant.waiting.addLast(request);
        size++;
    }

    /** A preempted request goes back to the front of its tenant's queue. */
    void addFirst(RequestState request) {
        request.tenant.waiting.addFirst(request);
        size++;
    }

    /** The request to admit next, or null when none waits. */
    RequestState peek() {
        Tenant best = null;
        for (Tenant t : tenants.values()) {
            if (t.waiting.isEmpty()) {
                continue;
            }
            if (best == null || t.virtualTime < best.virtualTime
                    || (t.virtualTime == best.virtualTime && t.waiting.peekFirst().order < best.waiting.peekFirst().order)) {
                best = t;
            }
        }
        return best == null ? null : best.waiting.peekFirst();
    }

    /** Removes a waiting request (admitted or aborted); false when it was not waiting. */
    boolean remove(RequestState request) {
        boolean removed = request.tenant.waiting.peekFirst() == request
                ? request.tenant.waiting.pollFirst() != null
                : request.tenant.waiting.remove(request);
        if (removed) {
            size--;
        }
        return removed;
    }

    /** The request left the engine for good. */
    void finished(RequestState request) {
        request.tenant.numActive--;
    }

    int size() {
        return size;
    }

    List<TenantStats> stats() {
        List<TenantStats> stats = new ArrayList<>(tenants.size());
        for (Tenant t : tenants.values()) {
            stats.add(t.stats());
        }
        return stats;
    }

    private double minActiveVirtualTime(double fallback) {
        double min = Double.POSITIVE_INFINITY;
        for (Tenant t : tenants.values()) {
            if (t.numActive > 0) {
                min = Math.min(min, t.virtualTime);
            }
        }
        return min == Double.POSITIVE_INFINITY ? fallback : min;
    }
}
