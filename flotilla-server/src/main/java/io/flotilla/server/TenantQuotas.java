package io.flotilla.server;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Requests/minute and tokens/minute quotas over a sliding 60-second window per tenant. A request
 * is admitted when the tenant has started fewer than its RPM requests and used fewer than its
 * TPM tokens in the last minute; its prompt tokens are charged on admission and its generated
 * tokens when it ends. Thread-safe.
 */
public final class TenantQuotas {
    static final long WINDOW_NANOS = 60_000_000_000L;

    private record Entry(long nanos, long amount) {
    }

    /** One tenant's recent requests and tokens. */
    private static final class Window {
        final ArrayDeque<Entry> requests = new ArrayDeque<>();
        final ArrayDeque<Entry> tokens = new ArrayDeque<>();
        long tokenSum;

        void expire(long now) {
            while (!requests.isEmpty() && now - requests.peekFirst().nanos() >= WINDOW_NANOS) {
                requests.pollFirst();
            }
            while (!tokens.isEmpty() && now - tokens.peekFirst().nanos() >= WINDOW_NANOS) {
                tokenSum -= tokens.pollFirst().amount();
            }
        }
    }

    private final LongSupplier clock;
    private final Map<String, Window> windows = new HashMap<>();

    public TenantQuotas() {
        this(System::nanoTime);
    }

    /** With an explicit nanosecond clock (tests). */
    public TenantQuotas(LongSupplier nanoClock) {
        this.clock = nanoClock;
    }

    /**
     * Admits a request of {@code promptTokens} or throws a 429 {@link ApiError} whose Retry-After
     * is when the oldest entry leaves the window.
     */
    public synchronized void admit(TenantPolicy tenant, int promptTokens) {
        long now = clock.getAsLong();
        Window w = windows.computeIfAbsent(tenant.tenantId(), t -> new Window());
        w.expire(now);
        if (tenant.requestsPerMinute() > 0 && w.requests.size() >= tenant.requestsPerMinute()) {
            throw ApiError.rateLimited("requests", "Rate limit reached for tenant " + tenant.tenantId()
                    + " on requests per min: limit " + tenant.requestsPerMinute() + ", used " + w.requests.size(),
                    retryAfter(w.requests, now));
        }
        // a single request larger than the quota passes when nothing else is in the window
        if (tenant.tokensPerMinute() > 0 && w.tokenSum > 0 && w.tokenSum + promptTokens > tenant.tokensPerMinute()) {
            throw ApiError.rateLimited("tokens", "Rate limit reached for tenant " + tenant.tenantId()
                    + " on tokens per min: limit " + tenant.tokensPerMinute() + ", used " + w.tokenSum
                    + ", requested " + promptTokens, retryAfter(w.tokens, now));
        }
        w.requests.addLast(new Entry(now, 1));
        charge(w, now, promptTokens);
    }

    /** Charges tokens generated for the tenant. */
    public synchronized void chargeTokens(TenantPolicy tenant, long tokens) {
        long now = clock.getAsLong();
        Window w = windows.computeIfAbsent(tenant.tenantId(), t -> new Window());
        w.expire(now);
        charge(w, now, tokens);
    }

    private static void charge(Window w, long now, long tokens) {
        if (tokens > 0) {
            w.tokens.addLast(new Entry(now, tokens));
            w.tokenSum += tokens;
        }
    }

    private static long retryAfter(ArrayDeque<Entry> entries, long now) {
        long waitNanos = entries.isEmpty() ? WINDOW_NANOS : entries.peekFirst().nanos() + WINDOW_NANOS - now;
        return Math.max(1, (waitNanos + 999_999_999L) / 1_000_000_000L);
    }
}
