package io.flotilla.placement;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Plausibility only: the machine is shared and its speed is not ours to assert. */
class NodeProbeTest {
    @Test
    void usableMemoryIsPositiveAndBelowPhysical() {
        long usable = NodeProbe.usableMemoryBytes();
        assertThat(usable).isPositive();
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os) {
            assertThat(usable).isLessThan(os.getTotalMemorySize());
        }
    }

    @Test
    void memoryBandwidthIsPlausible() {
        double bandwidth = NodeProbe.memoryBytesPerSecond(32 << 20, 2);
        assertThat(bandwidth).isBetween(1e8, 1e12);
    }

    @Test
    void matmulSpeedIsPlausible() {
        double flops = NodeProbe.f32FlopsPerSecond(128, 512, 10);
        assertThat(flops).isBetween(1e7, 1e12);
    }

    @Test
    void statsBecomeACapacityForEveryWeightType() {
        NodeCapacity capacity = new NodeStats(1 << 30, 1e10, 5e9).toCapacity("me", List.of("Q8_0", "F16"));
        assertThat(capacity.flopsPerSecond("Q8_0")).isEqualTo(5e9);
        assertThat(capacity.flopsPerSecond("F16")).isEqualTo(5e9);
        assertThat(capacity.usableMemoryBytes()).isEqualTo(1 << 30);
    }
}
