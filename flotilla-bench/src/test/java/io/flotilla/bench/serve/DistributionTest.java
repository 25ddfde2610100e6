package io.flotilla.bench.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class DistributionTest {
    @Test
    void percentilesInterpolateBetweenClosestRanks() {
        Distribution d = Distribution.of(new double[] {4, 1, 3, 2, 5});
        assertThat(d.p50()).isEqualTo(3);
        assertThat(d.p90()).isCloseTo(4.6, within(1e-12));
        assertThat(d.p99()).isCloseTo(4.96, within(1e-12));
        assertThat(d.mean()).isEqualTo(3);
        assertThat(d.count()).isEqualTo(5);
    }

    @Test
    void nanValuesAreLeftOutAndNoValuesGiveNan() {
        assertThat(Distribution.of(new double[] {Double.NaN, 7}).p99()).isEqualTo(7);
        assertThat(Distribution.of(new double[0]).p50()).isNaN();
    }

    @Test
    void tpotIsTheTimeAfterTheFirstTokenPerFurtherToken() {
        assertThat(new RequestTiming(100, new double[0], 400, 4, 0, null).tpotMs()).isEqualTo(100);
        assertThat(new RequestTiming(100, new double[0], 400, 1, 0, null).tpotMs()).isNaN();
    }
}
