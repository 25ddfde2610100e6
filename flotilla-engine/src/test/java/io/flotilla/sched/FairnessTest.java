package io.flotilla.sched;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.engine.SamplingParams;
import io.flotilla.exec.ScriptedExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Weighted fair queuing between tenants. */
class FairnessTest {
    private SchedulerHarness h;

    @AfterEach
    void poolIsClean() {
        h.assertPoolClean();
    }

    private void submit(String tenant, int count) {
        for (int i = 0; i < count; i++) {
            h.add(tenant + i, tenant, SchedulerHarness.prompt(16, tenant.hashCode() * 1000L + i), SamplingParams.greedy(8));
        }
    }

    private long lastFinish(String tenant, int count) {
        long last = 0;
        for (int i = 0; i < count; i++) {
            last = Math.max(last, h.finishedAtStep.get(tenant + i));
        }
        return last;
    }

    @Test
    void aFloodFromOneTenantDoesNotStarveAnother() {
        h = SchedulerHarness.of(256, 8, 256, new ScriptedExecutor());
        submit("A", 100);
        submit("B", 5);
        h.runToCompletion(1000);
        long bDone = lastFinish("B", 5);
        long aDone = lastFinish("A", 100);
        // a request takes 8 steps once admitted; B gets at least half the 8 slots: all 5 done in ~2 rounds,
        // where first-come-first-served would have made B wait for all 100 of A's (~100 steps)
        assertThat(bDone).isLessThanOrEqualTo(20);
        assertThat(aDone).isGreaterThan(90);
    }

    @Test
    void throughputFollowsTheWeights() {
        h = SchedulerHarness.of(256, 8, 256, new ScriptedExecutor());
        h.scheduler.setTenantWeight("A", 3);
        h.scheduler.setTenantWeight("B", 1);
        submit("A", 300);
        submit("B", 300);
        for (int i = 0; i < 200; i++) {
            h.step();
        }
        long a = tokens("A");
        long b = tokens("B");
        assertThat((double) a / b).isBetween(2.7, 3.3);
        assertThat(tenant("A").weight()).isEqualTo(3.0);
        abortAll();
    }

    @Test
    void aTenantComingBackFromIdleDoesNotSaveUpCredit() {
        h = SchedulerHarness.of(64, 4, 256, new ScriptedExecutor());
        submit("A", 60);
        for (int i = 0; i < 40; i++) {
            h.step();
        }
        // B arrives late: it starts at A's virtual time, so the two share from then on; had B
        // started from 0 it would have taken every slot until it caught up with the 460 tokens A had
        long aBefore = tokens("A");
        submit("B", 60);
        assertThat(tenant("B").virtualTime()).isEqualTo(tenant("A").virtualTime());
        for (int i = 0; i < 40; i++) {
            h.step();
        }
        double ratio = (double) (tokens("A") - aBefore) / tokens("B");
        assertThat(ratio).isBetween(0.7, 1.5);
        abortAll();
    }

    private TenantStats tenant(String id) {
        return h.scheduler.stats().tenants().stream().filter(t -> t.tenantId().equals(id)).findFirst().orElseThrow();
    }

    private long tokens(String tenant) {
        return tenant(tenant).tokensProcessed();
    }

    private void abortAll() {
        for (String id : h.scheduler.requestIds()) {
            h.scheduler.finish(id, io.flotilla.engine.FinishReason.ABORT);
        }
    }
}
