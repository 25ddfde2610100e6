package io.flotilla.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class RopeTableTest {
    private static RopeConfig rope(Architecture.RopeType type, RopeConfig.Scaling scaling, float freqScale) {
        return new RopeConfig(type, 8, 10000f, scaling, freqScale, 64, 1f, null);
    }

    /** Rotates a one-hot head of 8 at position pos and returns it. */
    private static float[] rotated(RopeTable t, int hot, int pos) {
        float[] x = new float[8];
        x[hot] = 1f;
        t.rotate(x, 0, 1, 8, pos);
        return x;
    }

    @Test
    void normalRotatesAdjacentPairsByPositionTimesFrequency() {
        RopeTable t = new RopeTable(rope(Architecture.RopeType.NORMAL, RopeConfig.Scaling.NONE, 1f), null, 100);
        for (int i = 0; i < 4; i++) {
            double angle = 37 * Math.pow(10000, -2.0 * i / 8);
            float[] x = rotated(t, 2 * i, 37); // (1, 0) in pair i turns to (cos, sin)
            assertThat(x[2 * i]).isCloseTo((float) Math.cos(angle), within(1e-4f));
            assertThat(x[2 * i + 1]).isCloseTo((float) Math.sin(angle), within(1e-4f));
        }
    }

    @Test
    void neoxRotatesHalves() {
        RopeTable t = new RopeTable(rope(Architecture.RopeType.NEOX, RopeConfig.Scaling.NONE, 1f), null, 100);
        double angle = 5 * Math.pow(10000, -2.0 * 1 / 8);
        float[] x = rotated(t, 1, 5); // pair 1 is (x[1], x[5])
        assertThat(x[1]).isCloseTo((float) Math.cos(angle), within(1e-5f));
        assertThat(x[5]).isCloseTo((float) Math.sin(angle), within(1e-5f));
        assertThat(x[2]).isZero();
    }

    @Test
    void frequencyFactorsAndLinearScalingDivideTheAngle() {
        RopeConfig plain = rope(Architecture.RopeType.NORMAL, RopeConfig.Scaling.NONE, 1f);
        RopeTable ones = new RopeTable(plain, new float[] {1, 1, 1, 1}, 64);
        RopeTable none = new RopeTable(plain, null, 64);
        assertThat(rotated(ones, 2, 9)).isEqualTo(rotated(none, 2, 9));
        RopeTable halved = new RopeTable(plain, new float[] {2, 2, 2, 2}, 64);
        RopeTable linear = new RopeTable(rope(Architecture.RopeType.NORMAL, RopeConfig.Scaling.LINEAR, 0.5f), null, 64);
        assertThat(rotated(halved, 0, 10)[1]).isCloseTo(rotated(none, 0, 5)[1], within(1e-6f));
        assertThat(rotated(linear, 0, 10)[1]).isCloseTo(rotated(none, 0, 5)[1], within(1e-6f));
    }

    @Test
    void yarnExtrapolatesHighFrequenciesInterpolatesLowOnesAndScalesMagnitude() {
        RopeConfig yarn = new RopeConfig(Architecture.RopeType.NORMAL, 8, 10000f, RopeConfig.Scaling.YARN, 0.25f, 64, 1f,
                null);
        RopeTable t = new RopeTable(yarn, null, 64);
        double mscale = 1 + 0.1 * Math.log(4);
        float[] high = rotated(t, 0, 3); // pair 0: fastest rotation, kept as is
        assertThat(high[0]).isCloseTo((float) (Math.cos(3) * mscale), within(1e-5f));
        double slow = 3 * Math.pow(10000, -2.0 * 3 / 8);
        float[] low = rotated(t, 6, 3);  // pair 3: slowest, interpolated by the scale
        assertThat(low[7]).isCloseTo((float) (Math.sin(slow * 0.25) * mscale), within(1e-5f));
    }
}
