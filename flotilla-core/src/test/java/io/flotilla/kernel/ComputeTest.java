package io.flotilla.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.gguf.GgmlType;
import io.flotilla.tensor.WeightMatrix;
import java.util.Random;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class ComputeTest {
    @Test
    void parallelForCoversEveryIndexOnceAcrossManyCalls() {
        try (Compute c = new Compute(2)) {
            for (int n : new int[] {0, 1, 2, 3, 17, 1000}) {
                for (int rep = 0; rep < 50; rep++) {
                    AtomicIntegerArray hits = new AtomicIntegerArray(n);
                    c.parallelFor(n, (s, e) -> {
                        for (int i = s; i < e; i++) {
                            hits.incrementAndGet(i);
                        }
                    });
                    for (int i = 0; i < n; i++) {
                        assertThat(hits.get(i)).as("index %d of %d", i, n).isEqualTo(1);
                    }
                }
            }
        }
    }

    @Test
    void wakesUpAfterIdlingLongerThanTheSpin() throws InterruptedException {
        try (Compute c = new Compute(2)) {
            int[] out = new int[4];
            c.parallelFor(4, (s, e) -> out[s]++);
            Thread.sleep(5); // workers park
            c.parallelFor(4, (s, e) -> out[s]++);
            assertThat(out[0]).isEqualTo(2);
            assertThat(out[2]).isEqualTo(2);
        }
    }

    @Test
    void workerFailuresReachTheCaller() {
        try (Compute c = new Compute(2)) {
            assertThatThrownBy(() -> c.parallelFor(10, (s, e) -> {
                if (s > 0) {
                    throw new IllegalStateException("boom at " + s);
                }
            })).isInstanceOf(IllegalStateException.class).hasMessage("boom at 5");
            int[] ok = new int[1];
            c.parallelFor(2, (s, e) -> {
                if (s == 0) {
                    ok[0] = 1;
                }
            });
            assertThat(ok[0]).isEqualTo(1);
        }
    }

    @Test
    void matMulGivesTheSameResultWithOneAndTwoThreads() {
        Random r = new Random(3);
        WeightMatrix w = KernelTest.randomMatrix(GgmlType.Q4_0, 33, 64, r);
        float[] x = KernelTest.randomActivations(3, 64, r);
        float[] one = new float[3 * 33];
        float[] two = new float[3 * 33];
        try (Compute c1 = new Compute(1); Compute c2 = new Compute(2)) {
            c1.matMul(w, x, 3, one);
            c2.matMul(w, x, 3, two);
        }
        assertThat(two).containsExactly(one);
    }

    @Test
    void rejectsBadArgumentsAndUseAfterClose() {
        assertThatThrownBy(() -> new Compute(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0");
        Compute c = new Compute(2);
        c.close();
        assertThatThrownBy(() -> c.parallelFor(4, (s, e) -> { })).isInstanceOf(IllegalStateException.class);
        assertThat(new Compute().threads()).isEqualTo(Runtime.getRuntime().availableProcessors());
    }
}
