package io.flotilla.server;

/**
 * One tenant's share and limits.
 *
 * @param weight            fair-share weight in the engine's scheduler (default 1)
 * @param requestsPerMinute most requests started in any 60 s; 0 = unlimited
 * @param tokensPerMinute   most prompt plus generated tokens in any 60 s; 0 = unlimited
 */
public record TenantPolicy(String tenantId, double weight, int requestsPerMinute, long tokensPerMinute) {

    public TenantPolicy {
        if (tenantId == null || tenantId.isBlank()) {
            throw new IllegalArgumentException("tenant id must not be blank");
        }
        if (!(weight > 0) || Double.isInfinite(weight)) {
            throw new IllegalArgumentException("weight of tenant " + tenantId + " must be > 0, got " + weight);
        }
        if (requestsPerMinute < 0 || tokensPerMinute < 0) {
            throw new IllegalArgumentException("quotas of tenant " + tenantId + " must be >= 0 (0 = unlimited), got rpm="
                    + requestsPerMinute + " tpm=" + tokensPerMinute);
        }
    }

    /** Weight 1, no quotas. */
    public static TenantPolicy unlimited(String tenantId) {
        return new TenantPolicy(tenantId, 1, 0, 0);
    }
}
