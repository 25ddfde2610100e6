package io.flotilla.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.wire.Message;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The numbering rule alone: after the own number, every reported one and every plan made. */
class PlanNumbersTest {
    private static Message.NodeReport seen(String node, long plan) {
        return new Message.NodeReport(node, 1, "127.0.0.1", 7000, "", 1, 1, 1, 1, 0, plan);
    }

    @Test
    void aCoordinatorThatHeldNoStageNumbersAfterAReportedPlan() {
        PlanNumbers numbers = new PlanNumbers(0, 0);
        assertThat(numbers.heard(seen("node-c", 7))).isTrue();
        assertThat(numbers.heard(seen("node-d", 3))).as("lower than known").isFalse();
        assertThat(numbers.next()).isEqualTo(8);
        assertThat(numbers.next()).isEqualTo(9);
    }

    @Test
    void itsOwnNumberCountsWhenItIsTheHighest() {
        PlanNumbers numbers = new PlanNumbers(9, 0);
        numbers.heard(seen("node-c", 7));
        assertThat(numbers.next()).isEqualTo(10);
        assertThat(numbers.highest()).isEqualTo(10);
    }

    @Test
    void aNumberReportedAfterAPlanRaisesTheNextOne() {
        PlanNumbers numbers = new PlanNumbers(0, 0);
        assertThat(numbers.next()).isEqualTo(1);
        numbers.heard(seen("node-late", 5));
        assertThat(numbers.next()).isEqualTo(6);
    }

    @Test
    void theFirstPlanWaitsForSilentMembersUntilTheDeadlineOnly() {
        PlanNumbers numbers = new PlanNumbers(0, 1_000);
        List<String> members = List.of("node-a", "node-b", "me");
        numbers.heard(seen("node-a", 1));
        List<String> silent = numbers.silent(members, "me");
        assertThat(silent).containsExactly("node-b");
        assertThat(numbers.waitNanos(silent, 400)).isEqualTo(600);
        assertThat(numbers.waitNanos(silent, 1_200)).as("past the deadline").isZero();
        numbers.heard(seen("node-b", 0));
        assertThat(numbers.silent(members, "me")).isEmpty();
        assertThat(numbers.waitNanos(List.of(), 400)).isZero();
        numbers.next();
        assertThat(numbers.waitNanos(silent, 400)).as("only the first plan waits").isZero();
    }

    @Test
    void aNegativeStartIsRefused() {
        assertThatThrownBy(() -> new PlanNumbers(-1, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-1");
    }
}
