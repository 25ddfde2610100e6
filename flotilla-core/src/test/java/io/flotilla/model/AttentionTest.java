package io.flotilla.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.flotilla.gguf.GgufFile;
import io.flotilla.kernel.Compute;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The vector attention against its scalar twin, and against a straightforward per-head reference. */
class AttentionTest {

    @Test
    void vectorAttentionMatchesScalarTwinAndReference() throws Exception {
        try (GgufFile f = GgufFile.open(TinyStories.q8()); Compute compute = new Compute(2)) {
            check(Model.load(f, compute).config(), compute); // 8 heads of 16, 4 KV heads
        }
    }

    /** Every group size around the vector path's blocks of 4 heads per key row (1: the per-head path). */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(ints = {1, 2, 3, 4, 5, 8})
    void everyGroupSizeMatchesScalarTwinAndReference(int group) throws Exception {
        try (GgufFile f = GgufFile.open(TinyStories.q8()); Compute compute = new Compute(2)) {
            ModelConfig t = Model.load(f, compute).config();
            int kvHeads = 2;
            int heads = kvHeads * group;
            ModelConfig c = new ModelConfig(t.architecture(), heads * t.headDimK(), t.layers(), t.ffnDim(), heads, kvHeads,
                    t.headDimK(), t.headDimV(), t.rmsEps(), t.contextLength(), t.vocabSize(), t.attentionScale(), t.rope(),
                    0, 0, t.ffnDim(), t.ffnDim(), false);
            check(c, compute);
        }
    }

    private static void check(ModelConfig c, Compute compute) {
        int n = 5;
        int start = 9;
        Random rnd = new Random(3);
        KvLayer kv = new KvLayer(new short[32 * c.kvDimK()], new short[32 * c.kvDimV()], c.kvDimK(), c.kvDimV());
        float[] k = new float[c.kvDimK()];
        float[] v = new float[c.kvDimV()];
        for (int p = 0; p < start; p++) {
            fill(rnd, k);
            fill(rnd, v);
            kv.store(p, k, 0, v, 0);
        }
        Activations vec = activations(c, n, start, rnd.nextLong());
        Activations sca = activations(c, n, start, 0);
        System.arraycopy(vec.q, 0, sca.q, 0, vec.q.length);
        System.arraycopy(vec.k, 0, sca.k, 0, vec.k.length);
        System.arraycopy(vec.v, 0, sca.v, 0, vec.v.length);
        Activations one = activations(c, n, start, 0);
        System.arraycopy(vec.q, 0, one.q, 0, vec.q.length);
        System.arraycopy(vec.k, 0, one.k, 0, vec.k.length);
        System.arraycopy(vec.v, 0, one.v, 0, vec.v.length);
        new Attention(c, compute, true).forward(vec, kv, n);
        new Attention(c, compute, true, false).forward(one, kv, n);
        new Attention(c, compute, false).forward(sca, kv, n);
        int width = n * c.heads() * c.headDimV();
        assertThat(java.util.Arrays.copyOf(vec.att, width)).as("4 heads per row against one head at a time, group %d",
                c.groupSize()).containsExactly(java.util.Arrays.copyOf(one.att, width));
        for (int i = 0; i < width; i++) {
            assertThat(vec.att[i]).as("group %d, value %d", c.groupSize(), i).isCloseTo(sca.att[i], within(3e-5f));
        }
        float[] ref = reference(c, sca, kv, n, start);
        for (int i = 0; i < width; i++) {
            assertThat(sca.att[i]).isCloseTo(ref[i], within(3e-5f)); // float sums against double: a few 1e-5 at ~0.2
        }
    }

    private static Activations activations(ModelConfig c, int n, int start, long seed) {
        Activations a = new Activations(c, n, 32, 2, null);
        a.layout.contiguous(start, n, 32);
        Random rnd = new Random(seed);
        fill(rnd, a.q);
        fill(rnd, a.k);
        fill(rnd, a.v);
        return a;
    }

    /** Per token and head: scores in double over F16-rounded q and keys, softmax, F16 weights. */
    private static float[] reference(ModelConfig c, Activations a, KvLayer kv, int n, int start) {
        int dk = c.headDimK();
        int dv = c.headDimV();
        float[] out = new float[n * c.heads() * dv];
        for (int t = 0; t < n; t++) {
            int len = start + t + 1;
            for (int h = 0; h < c.heads(); h++) {
                int g = h / c.groupSize();
                float[] s = new float[len];
                for (int j = 0; j < len; j++) {
                    double dot = 0;
                    for (int i = 0; i < dk; i++) {
                        dot += a.q[t * c.queryDim() + h * dk + i] * Float.float16ToFloat(kv.keys()[j * c.kvDimK() + g * dk + i]);
                    }
                    s[j] = (float) dot * c.attentionScale();
                }
                VectorOps.softmax(s, 0, len);
                for (int j = 0; j < len; j++) {
                    float p = Float.float16ToFloat(Float.floatToFloat16(s[j]));
                    for (int i = 0; i < dv; i++) {
                        out[(t * c.heads() + h) * dv + i] += p * Float.float16ToFloat(kv.values()[j * c.kvDimV() + g * dv + i]);
                    }
                }
            }
        }
        return out;
    }

    private static void fill(Random rnd, float[] x) {
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
    }
}
