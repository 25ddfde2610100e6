package io.flotilla.collective;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class RingCollectiveTest {

    static final CollectiveConfig FAST = CollectiveConfig.defaults().withDeadline(Duration.ofSeconds(20));

    static float[] values(int rank, int n) {
        Random random = new Random(31L * rank + n);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3, 4})
    void everyWorkerEndsWithTheSameBitsOfTheSum(int k) throws Exception {
        int n = 10_007;
        try (RingFixture ring = new RingFixture(k, FAST.withBucketFloats(4_000))) {
            List<Future<float[]>> results = ring.onEach((rank, c) -> {
                float[] v = values(rank, n);
                c.allReduceSum(v);
                return v;
            });
            float[] first = results.get(0).get();
            double[] expected = new double[n];
            for (int r = 0; r < k; r++) {
                float[] v = values(r, n);
                for (int i = 0; i < n; i++) {
                    expected[i] += v[i];
                }
            }
            for (int i = 0; i < n; i++) {
                assertThat((double) first[i]).isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-5));
            }
            for (Future<float[]> f : results) {
                assertThat(f.get()).containsExactly(first);
            }
            // ring arithmetic: 2(K-1)/K of the buffer, as fp32, per worker (chunks differ by at most one float)
            CollectiveStats stats = ring.rings.get(0).stats();
            assertThat(stats.operations()).isEqualTo(1);
            assertThat((double) stats.payloadBytes()).isCloseTo(2.0 * (k - 1) / k * 4 * n,
                    org.assertj.core.data.Offset.offset(8.0 * 2 * k * 3));
            assertThat(stats.wireBytes()).isGreaterThan(stats.payloadBytes());
        }
    }

    @Test
    void repeatedReductionsAreDeterministic() throws Exception {
        try (RingFixture ring = new RingFixture(3, FAST.withBucketFloats(1_000))) {
            List<Future<float[][]>> results = ring.onEach((rank, c) -> {
                float[] a = values(rank, 2_500);
                float[] b = values(rank, 2_500);
                c.allReduceSum(a);
                c.allReduceSum(b);
                return new float[][] {a, b};
            });
            for (Future<float[][]> f : results) {
                assertThat(f.get()[0]).containsExactly(f.get()[1]);
                assertThat(f.get()[0]).containsExactly(results.get(0).get()[0]);
            }
        }
    }

    @Test
    void lossyCodecStillGivesBitIdenticalResults() throws Exception {
        ChunkCodec halves = new ChunkCodec() {
            @Override
            public byte[] encode(float[] values, int from, int to) {
                byte[] out = new byte[2 * (to - from)];
                for (int i = from; i < to; i++) {
                    short h = Float.floatToFloat16(values[i]);
                    out[2 * (i - from)] = (byte) h;
                    out[2 * (i - from) + 1] = (byte) (h >> 8);
                }
                return out;
            }

            @Override
            public void decode(byte[] payload, float[] out, int from, int to) {
                for (int i = from; i < to; i++) {
                    int h = (payload[2 * (i - from)] & 0xFF) | (payload[2 * (i - from) + 1] << 8);
                    out[i] = Float.float16ToFloat((short) h);
                }
            }
        };
        try (RingFixture ring = new RingFixture(4, FAST)) {
            List<Future<float[]>> results = ring.onEach((rank, c) -> {
                float[] v = values(rank, 999);
                c.allReduceSum(v, halves);
                return v;
            });
            for (Future<float[]> f : results) {
                assertThat(f.get()).containsExactly(results.get(0).get());
            }
            assertThat(ring.rings.get(1).stats().payloadBytes()).isBetween(2L * 999 * 3 / 2 - 12, 2L * 999 * 3 / 2 + 12);
        }
    }

    @Test
    void allGatherReturnsEveryWorkersBytesByRank() throws Exception {
        try (RingFixture ring = new RingFixture(3, FAST)) {
            List<Future<byte[][]>> results = ring.onEach((rank, c) -> c.allGather(new byte[] {(byte) rank, 7}));
            for (Future<byte[][]> f : results) {
                assertThat(f.get()).isDeepEqualTo(new byte[][] {{0, 7}, {1, 7}, {2, 7}});
            }
        }
    }

    @Test
    void aDeadPeerFailsTheOperationFastOnEveryOtherWorker() throws Exception {
        try (RingFixture ring = new RingFixture(4, FAST)) {
            ring.rings.get(2).close();
            ring.transports.get(2).close();
            long t0 = System.nanoTime();
            List<Future<float[]>> results = ring.onEach((rank, c) -> {
                float[] v = values(rank, 5_000);
                c.allReduceSum(v);
                return v;
            });
            for (Future<float[]> f : results) {
                assertThatThrownBy(f::get).isInstanceOf(ExecutionException.class)
                        .cause().isInstanceOf(CollectiveException.class);
            }
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void aSilentPeerFailsTheOperationAtTheDeadline() throws Exception {
        try (RingFixture ring = new RingFixture(3, FAST.withDeadline(Duration.ofMillis(700)))) {
            long t0 = System.nanoTime();
            List<Future<float[]>> results = ring.onEach((rank, c) -> {
                float[] v = values(rank, 100);
                if (rank != 1) {
                    c.allReduceSum(v); // worker 1 never joins the operation
                }
                return v;
            });
            for (int r : new int[] {0, 2}) {
                assertThatThrownBy(results.get(r)::get).cause().isInstanceOf(CollectiveException.class)
                        .hasMessageContaining("worker");
            }
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
            assertThatThrownBy(() -> ring.rings.get(0).allReduceSum(new float[4]))
                    .isInstanceOf(CollectiveException.class).hasMessageContaining("closed");
        }
    }

    @Test
    void aGroupOfOneIsANoOp() throws Exception {
        try (RingFixture ring = new RingFixture(1, FAST)) {
            float[] v = {1, 2, 3};
            ring.rings.get(0).allReduceSum(v);
            assertThat(v).containsExactly(1, 2, 3);
            assertThat(ring.rings.get(0).allGather(new byte[] {5})).hasDimensions(1, 1);
        }
    }
}
