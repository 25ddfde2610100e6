package io.flotilla.train.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.train.model.Rng;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SecureAggregationTest {

    static final int CLIENTS = 8;
    static final int N = 300_000; // so that |correlation| < 0.01 is a 5-sigma bound (sigma = 1/sqrt(N)), not a coin toss
    static final long ROUND = 3;
    static KeyPair[] keys = new KeyPair[CLIENTS];
    static Map<Integer, PublicKey> publicKeys = new HashMap<>();
    static float[][] updates = new float[CLIENTS][N];
    static Map<Integer, int[]> uploads = new HashMap<>();

    @BeforeAll
    static void uploadAll() {
        Rng rng = new Rng(11);
        for (int c = 0; c < CLIENTS; c++) {
            keys[c] = SecureAggregation.keyPair();
            publicKeys.put(c, keys[c].getPublic());
            for (int i = 0; i < N; i++) {
                updates[c][i] = (float) (rng.nextGaussian() * 0.01);
            }
        }
        for (int c = 0; c < CLIENTS; c++) {
            uploads.put(c, SecureAggregation.maskedUpload(c, keys[c], publicKeys, ROUND, updates[c]));
        }
    }

    static int[] plainSum(Set<Integer> clients) {
        int[] sum = new int[N];
        for (int c : clients) {
            int[] q = SecureAggregation.quantize(updates[c]);
            for (int i = 0; i < N; i++) {
                sum[i] += q[i];
            }
        }
        return sum;
    }

    @Test
    void theUnmaskedSumIsExactInFixedPointAndCloseInFloat() {
        int[] sum = SecureAggregation.unmaskedSum(uploads, Set.of(), Map.of(), 6);
        assertThat(sum).isEqualTo(plainSum(uploads.keySet()));
        float[] mean = SecureAggregation.dequantize(sum);
        for (int i = 0; i < N; i++) {
            double exact = 0;
            for (float[] u : updates) {
                exact += u[i];
            }
            assertThat(Math.abs(mean[i] - exact)).isLessThan(3e-5);
        }
    }

    @Test
    void oneUploadLooksLikeNoise() {
        int[] upload = uploads.get(3);
        int[] plain = SecureAggregation.quantize(updates[3]);
        // bytes uniform: chi-square over 256 bins below the 99.9% quantile of 255 degrees of freedom (~330)
        long[] bins = new long[256];
        for (int v : upload) {
            for (int b = 0; b < 4; b++) {
                bins[(v >>> (8 * b)) & 0xFF]++;
            }
        }
        double expected = 4.0 * N / 256;
        double chi2 = 0;
        for (long count : bins) {
            chi2 += (count - expected) * (count - expected) / expected;
        }
        assertThat(chi2).isLessThan(330);
        assertThat(Math.abs(correlation(upload, plain))).isLessThan(0.01);
    }

    @Test
    void clientsThatDropBeforeUploadingAreRemovedByTheSurvivorsSeeds() {
        Set<Integer> dropped = Set.of(2, 5);
        Map<Integer, int[]> received = new HashMap<>(uploads);
        dropped.forEach(received::remove);
        Map<Integer, Map<Integer, byte[]>> revealed = new HashMap<>();
        for (int s : received.keySet()) {
            revealed.put(s, SecureAggregation.revealFor(dropped, keys[s], publicKeys, ROUND));
        }
        assertThat(SecureAggregation.unmaskedSum(received, dropped, revealed, 6))
                .isEqualTo(plainSum(received.keySet()));
    }

    @Test
    void belowTheThresholdTheRoundAborts() {
        Map<Integer, int[]> received = new HashMap<>();
        for (int c = 0; c < 5; c++) {
            received.put(c, uploads.get(c));
        }
        assertThatThrownBy(() -> SecureAggregation.unmaskedSum(received, Set.of(5, 6, 7), Map.of(), 6))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("below the threshold of 6");
    }

    static double correlation(int[] a, int[] b) {
        double ma = 0;
        double mb = 0;
        for (int i = 0; i < a.length; i++) {
            ma += a[i];
            mb += b[i];
        }
        ma /= a.length;
        mb /= b.length;
        double sab = 0;
        double saa = 0;
        double sbb = 0;
        for (int i = 0; i < a.length; i++) {
            sab += (a[i] - ma) * (b[i] - mb);
            saa += (a[i] - ma) * (a[i] - ma);
            sbb += (b[i] - mb) * (b[i] - mb);
        }
        return sab / Math.sqrt(saa * sbb);
    }
}
