package io.flotilla.server;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gate in front of the engine: authenticates the API key to a tenant, refuses work beyond
 * the queue limit (503) and beyond the tenant's quotas (429), and counts what is in flight.
 */
public final class Admission {
    private final ApiKeys apiKeys;
    private final TenantQuotas quotas;
    private final ServerMetrics metrics;
    private final int maxQueued;
    private final AtomicInteger inFlight = new AtomicInteger();

    public Admission(ApiKeys apiKeys, TenantQuotas quotas, ServerMetrics metrics, int maxQueuedRequests) {
        this.apiKeys = apiKeys;
        this.quotas = quotas;
        this.metrics = metrics;
        this.maxQueued = maxQueuedRequests;
    }

    /** The tenant of an {@code Authorization} header value, or a 401 {@link ApiError}. */
    public TenantPolicy authenticate(String authorization) {
        return apiKeys.authenticate(authorization).orElseThrow(() -> {
            metrics.rejected("unknown", "invalid_api_key");
            return ApiError.unauthorized(authorization == null
                    ? "You didn't provide an API key: send it as 'Authorization: Bearer KEY'."
                    : "Incorrect API key provided.");
        });
    }

    /**
     * Takes {@code engineRequests} places in the queue for the tenant, charging
     * {@code promptTokens} to its quota; throws 503 or 429. Pair with {@link #release}.
     */
    public void admit(TenantPolicy tenant, int engineRequests, int promptTokens) {
        int now = inFlight.addAndGet(engineRequests);
        if (now > maxQueued) {
            inFlight.addAndGet(-engineRequests);
            metrics.rejected(tenant.tenantId(), "overloaded");
            throw ApiError.overloaded("The server is overloaded: " + (now - engineRequests) + " requests in flight, at most "
                    + maxQueued + ". Please retry later.", 1);
        }
        try {
            quotas.admit(tenant, promptTokens);
        } catch (ApiError e) {
            inFlight.addAndGet(-engineRequests);
            metrics.rejected(tenant.tenantId(), e.code());
            throw e;
        }
    }

    /** Gives the places back and charges the tokens generated. */
    public void release(TenantPolicy tenant, int engineRequests, long generatedTokens) {
        inFlight.addAndGet(-engineRequests);
        quotas.chargeTokens(tenant, generatedTokens);
    }

    /** Engine requests admitted and not yet released. */
    public int inFlight() {
        return inFlight.get();
    }

    public ApiKeys apiKeys() {
        return apiKeys;
    }
}
