package io.flotilla.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TenantQuotasTest {
    private static final long SECOND = 1_000_000_000L;
    private final AtomicLong clock = new AtomicLong(1000 * SECOND);
    private final TenantQuotas quotas = new TenantQuotas(clock::get);

    @Test
    void requestsPerMinuteSlideWithTheWindow() {
        TenantPolicy t = new TenantPolicy("a", 1, 2, 0);
        quotas.admit(t, 10);
        clock.addAndGet(10 * SECOND);
        quotas.admit(t, 10);
        assertThatThrownBy(() -> quotas.admit(t, 10)).isInstanceOfSatisfying(ApiError.class, e -> {
            assertThat(e.status()).isEqualTo(429);
            assertThat(e.type()).isEqualTo("requests");
            assertThat(e.code()).isEqualTo("rate_limit_exceeded");
            assertThat(e.retryAfterSeconds()).isEqualTo(50); // the first request leaves the window at +60 s
        });
        clock.addAndGet(50 * SECOND);
        quotas.admit(t, 10);
    }

    @Test
    void tokensPerMinuteCountPromptAndGeneratedTokens() {
        TenantPolicy t = new TenantPolicy("a", 1, 0, 100);
        quotas.admit(t, 40);
        quotas.chargeTokens(t, 50);
        assertThatThrownBy(() -> quotas.admit(t, 20)).isInstanceOfSatisfying(ApiError.class, e -> {
            assertThat(e.type()).isEqualTo("tokens");
            assertThat(e.getMessage()).contains("limit 100, used 90, requested 20");
            assertThat(e.retryAfterSeconds()).isEqualTo(60);
        });
        quotas.admit(t, 10);
        clock.addAndGet(60 * SECOND);
        quotas.admit(t, 90);
    }

    @Test
    void oneRequestLargerThanTheQuotaPassesAlone() {
        TenantPolicy t = new TenantPolicy("a", 1, 0, 100);
        quotas.admit(t, 500);
        assertThatThrownBy(() -> quotas.admit(t, 1)).isInstanceOf(ApiError.class);
    }

    @Test
    void tenantsHaveTheirOwnWindows() {
        TenantPolicy a = new TenantPolicy("a", 1, 1, 0);
        TenantPolicy b = new TenantPolicy("b", 1, 1, 0);
        quotas.admit(a, 1);
        quotas.admit(b, 1);
        assertThatThrownBy(() -> quotas.admit(a, 1)).isInstanceOf(ApiError.class);
        quotas.admit(TenantPolicy.unlimited("c"), 1_000_000);
    }
}
