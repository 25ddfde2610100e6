package io.flotilla.train.dist;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.collective.ChunkCodec;
import io.flotilla.collective.Collective;
import io.flotilla.collective.CollectiveException;
import io.flotilla.collective.CollectiveStats;
import io.flotilla.train.TrainConfig;
import io.flotilla.train.TrainListener;
import io.flotilla.train.Trainer;
import io.flotilla.train.model.LlamaModel;
import io.flotilla.train.model.Rng;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class FederatedAggregatorTest {

    static final int CLIENTS = 8;
    static final DistributedConfig SECURE = DistributedConfig.fedAvg(1, 0, 0f).withPrivacy(true, 0f, 0f);
    /** The full parameter vector of the reference model (4 layers, width 128, 65 symbols): 886,912. */
    static int n;
    static float[][] updates;

    @BeforeAll
    static void updates() {
        TrainConfig reference = TrainConfig.reference(Path.of("unused.txt"), Path.of("unused"));
        n = new LlamaModel(new Trainer(reference, TrainListener.NONE).modelConfig(65), 1).params().length;
        updates = new float[CLIENTS][n];
        Rng rng = new Rng(17);
        for (float[] u : updates) {
            for (int i = 0; i < n; i++) {
                u[i] = (float) (rng.nextGaussian() * 0.01);
            }
        }
    }

    /** The plaintext fixed-point sum of the given clients' updates, with their count in the last slot. */
    static int[] plainSum(Set<Integer> clients) {
        int[] sum = new int[n + 1];
        for (int c : clients) {
            float[] x = java.util.Arrays.copyOf(updates[c], n + 1);
            x[n] = 1;
            int[] q = SecureAggregation.quantize(x);
            for (int i = 0; i <= n; i++) {
                sum[i] += q[i];
            }
        }
        return sum;
    }

    @Test
    void eightMaskedUploadsOfTheFullParameterVectorSumExactly() throws Exception {
        FederatedAggregator[] aggregators = new FederatedAggregator[CLIENTS];
        float[][] means = new float[CLIENTS][];
        try (Rings rings = new Rings()) {
            List<Object> results = rings.run(CLIENTS, (rank, ring) -> {
                aggregators[rank] = new FederatedAggregator(rank, SECURE);
                means[rank] = updates[rank].clone();
                return aggregators[rank].mean(ring, means[rank], 0, true);
            });
            assertThat(results).allSatisfy(r -> assertThat(r).isEqualTo(new RoundStats(0, CLIENTS, 0, false, 0)));
        }
        int[] exact = plainSum(allClients());
        for (FederatedAggregator a : aggregators) {
            assertThat(a.lastSum()).isEqualTo(exact);
        }
        float[] sum = SecureAggregation.dequantize(aggregators[0].lastSum());
        double worst = 0;
        for (int i = 0; i < n; i++) {
            double plain = 0;
            for (float[] u : updates) {
                plain += u[i];
            }
            worst = Math.max(worst, Math.abs(sum[i] - plain));
        }
        assertThat(worst).isLessThan(3e-5);
        for (float[] m : means) {
            assertThat(m).isEqualTo(means[0]);
        }
    }

    @Test
    void twoClientsDroppingInsideTheRoundStillGiveTheExactSumOfTheOthers() throws Exception {
        Set<Integer> dropping = Set.of(2, 5);
        FederatedAggregator[] aggregators = new FederatedAggregator[CLIENTS];
        try (Rings rings = new Rings()) {
            List<Object> first = rings.run(CLIENTS, (rank, ring) -> {
                aggregators[rank] = new FederatedAggregator(rank, SECURE);
                Collective c = dropping.contains(rank) ? diesAtUpload(ring) : ring;
                return aggregators[rank].mean(c, updates[rank].clone(), 7, true);
            });
            assertThat(first).allSatisfy(r -> assertThat(r).isInstanceOf(CollectiveException.class));
            List<Integer> survivors = survivors(dropping);
            List<Object> retry = rings.run(survivors.size(), (rank, ring) -> {
                int id = survivors.get(rank);
                return aggregators[id].mean(ring, updates[id].clone(), 7, true);
            });
            assertThat(retry).allSatisfy(r -> assertThat(r).isEqualTo(new RoundStats(7, 6, 2, false, 0)));
        }
        int[] exact = plainSum(new TreeSet<>(survivors(dropping)));
        for (int id : survivors(dropping)) {
            assertThat(aggregators[id].lastSum()).isEqualTo(exact);
        }
    }

    @Test
    void belowTheThresholdTheRoundAbortsBeforeAnythingIsSummedOrRevealed() throws Exception {
        Set<Integer> dropping = Set.of(1, 2, 6);
        FederatedAggregator[] aggregators = new FederatedAggregator[CLIENTS];
        try (Rings rings = new Rings()) {
            rings.run(CLIENTS, (rank, ring) -> {
                aggregators[rank] = new FederatedAggregator(rank, SECURE);
                return aggregators[rank].mean(dropping.contains(rank) ? diesAtUpload(ring) : ring,
                        updates[rank].clone(), 3, true);
            });
            List<Integer> survivors = survivors(dropping);
            List<Object> retry = rings.run(survivors.size(), (rank, ring) -> {
                int id = survivors.get(rank);
                float[] update = updates[id].clone();
                try {
                    return aggregators[id].mean(ring, update, 3, true);
                } catch (RoundAbortedException e) {
                    assertThat(update).isEqualTo(updates[id]); // nothing applied
                    return List.of(e, ring.stats().operations()); // only the key exchange ran
                }
            });
            assertThat(retry).allSatisfy(r -> {
                assertThat(r).isInstanceOf(List.class);
                assertThat(((List<?>) r).get(0)).isInstanceOf(RoundAbortedException.class).asString()
                        .contains("5 of 8 clients survived, below the threshold of 6");
                assertThat(((List<?>) r).get(1)).isEqualTo(1L);
            });
        }
    }

    @Test
    void clippedUpdatesCarryNoiseOfZTimesClipOverMAndEpsilonIsCounted() throws Exception {
        float clip = 1f;
        float z = 0.8f;
        DistributedConfig dp = DistributedConfig.fedAvg(1, 0, 0f).withPrivacy(true, clip, z);
        float[][] means = new float[CLIENTS][];
        FederatedAggregator[] aggregators = new FederatedAggregator[CLIENTS];
        try (Rings rings = new Rings()) {
            rings.run(CLIENTS, (rank, ring) -> {
                aggregators[rank] = new FederatedAggregator(rank, dp);
                means[rank] = updates[rank].clone();
                return aggregators[rank].mean(ring, means[rank], 0, true);
            });
        }
        double[] clippedMean = new double[n];
        for (float[] u : updates) {
            float[] c = u.clone();
            assertThat(DifferentialPrivacy.clip(c, clip)).isGreaterThan(clip); // these updates needed clipping
            assertThat(norm(c)).isLessThanOrEqualTo(clip * (1 + 1e-6));
            for (int i = 0; i < n; i++) {
                clippedMean[i] += c[i] / (double) CLIENTS;
            }
        }
        double sum = 0;
        double squares = 0;
        for (int i = 0; i < n; i++) {
            double noise = means[0][i] - clippedMean[i];
            sum += noise;
            squares += noise * noise;
        }
        double mean = sum / n;
        double sigma = Math.sqrt(squares / n - mean * mean);
        assertThat(sigma).isCloseTo(z * clip / CLIENTS, org.assertj.core.data.Percentage.withPercentage(1));
        assertThat(Math.abs(mean)).isLessThan(5 * sigma / Math.sqrt(n));
        assertThat(aggregators[0].epsilon()).isEqualTo(DifferentialPrivacy.epsilon(1, z, FederatedAggregator.DELTA))
                .isPositive();
    }

    static double norm(float[] v) {
        double s = 0;
        for (float x : v) {
            s += (double) x * x;
        }
        return Math.sqrt(s);
    }

    static Set<Integer> allClients() {
        Set<Integer> all = new TreeSet<>();
        for (int c = 0; c < CLIENTS; c++) {
            all.add(c);
        }
        return all;
    }

    static List<Integer> survivors(Set<Integer> dropping) {
        return allClients().stream().filter(c -> !dropping.contains(c)).toList();
    }

    /** A client that takes part in the key exchange, then dies as it uploads (its links close). */
    static Collective diesAtUpload(Collective ring) {
        return new Collective() {
            @Override
            public int rank() {
                return ring.rank();
            }

            @Override
            public int size() {
                return ring.size();
            }

            @Override
            public void allReduceSum(float[] data, ChunkCodec codec) throws IOException {
                ring.close();
                throw new CollectiveException("client " + ring.rank() + " died at upload", false, null);
            }

            @Override
            public byte[][] allGather(byte[] mine) throws IOException {
                return ring.allGather(mine);
            }

            @Override
            public CollectiveStats stats() {
                return ring.stats();
            }

            @Override
            public void close() {
                ring.close();
            }
        };
    }
}
