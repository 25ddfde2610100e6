package io.flotilla.train.model;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The linear layer {@code y = W x} over a batch of rows, forward and backward, on the Vector API.
 * Shapes: {@code in[n][inDim]}, {@code w[outDim][inDim]} (out-major, as GGUF stores it),
 * {@code out[n][outDim]}. Every kernel here has a scalar twin in {@link MatmulScalar} that the
 * tests compare against. Row ranges let callers split the work across threads.
 */
public final class Matmul {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    /** Shuffles that swap lane blocks of size L/2, L/4, ..., 1: a fixed reduction tree. */
    private static final VectorShuffle<Float>[] TREE = tree();

    private Matmul() {}

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] tree() {
        int steps = Integer.numberOfTrailingZeros(L);
        VectorShuffle<Float>[] t = new VectorShuffle[steps];
        for (int k = 0, half = L / 2; half >= 1; k++, half /= 2) {
            int h = half;
            t[k] = VectorShuffle.fromOp(S, i -> i ^ h);
        }
        return t;
    }

    /**
     * Sum of the lanes in a fixed order. {@code reduceLanes(ADD)} may add in a different order when
     * compiled than when interpreted, which would make a resumed run differ from an uninterrupted one.
     */
    static float sum(FloatVector v) {
        for (VectorShuffle<Float> t : TREE) {
            v = v.add(v.rearrange(t));
        }
        return v.lane(0);
    }

    /** {@link #forward} over rows {@code [0, rows)}, split across {@code par}'s threads. */
    public static void forward(Parallel par, float[] out, int outOff, float[] in, int inOff, float[] w, int wOff,
                               int inDim, int outDim, int rows) {
        par.forRange(rows, (r0, r1) -> forward(out, outOff, in, inOff, w, wOff, inDim, outDim, r0, r1));
    }

    /** {@link #backwardInput} over rows {@code [0, rows)}, split across {@code par}'s threads. */
    public static void backwardInput(Parallel par, float[] dIn, int dInOff, float[] dOut, int dOutOff, float[] w,
                                     int wOff, int inDim, int outDim, int rows) {
        par.forRange(rows, (r0, r1) -> backwardInput(dIn, dInOff, dOut, dOutOff, w, wOff, inDim, outDim, r0, r1));
    }

    /** {@link #backwardWeight} for every output, the outputs split across {@code par}'s threads. */
    public static void backwardWeight(Parallel par, float[] dW, int dWOff, float[] dOut, int dOutOff, float[] in,
                                      int inOff, int inDim, int outDim, int rows) {
        par.forRange(outDim, (o0, o1) -> backwardWeight(dW, dWOff, dOut, dOutOff, in, inOff, inDim, outDim, rows,
                o0, o1));
    }

    /** {@code out[r][o] = sum_i in[r][i] * w[o][i]} for rows {@code r in [r0, r1)}. */
    public static void forward(float[] out, int outOff, float[] in, int inOff, float[] w, int wOff,
                               int inDim, int outDim, int r0, int r1) {
        int bound = S.loopBound(inDim);
        for (int r = r0; r < r1; r++) {
            int x = inOff + r * inDim;
            int y = outOff + r * outDim;
            int o = 0;
            for (; o + 4 <= outDim; o += 4) {
                int w0 = wOff + o * inDim;
                int w1 = w0 + inDim;
                int w2 = w1 + inDim;
                int w3 = w2 + inDim;
                FloatVector a0 = FloatVector.zero(S);
                FloatVector a1 = FloatVector.zero(S);
                FloatVector a2 = FloatVector.zero(S);
                FloatVector a3 = FloatVector.zero(S);
                int i = 0;
                for (; i < bound; i += L) {
                    FloatVector xv = FloatVector.fromArray(S, in, x + i);
                    a0 = FloatVector.fromArray(S, w, w0 + i).fma(xv, a0);
                    a1 = FloatVector.fromArray(S, w, w1 + i).fma(xv, a1);
                    a2 = FloatVector.fromArray(S, w, w2 + i).fma(xv, a2);
                    a3 = FloatVector.fromArray(S, w, w3 + i).fma(xv, a3);
                }
                float s0 = sum(a0);
                float s1 = sum(a1);
                float s2 = sum(a2);
                float s3 = sum(a3);
                for (; i < inDim; i++) {
                    float xi = in[x + i];
                    s0 += w[w0 + i] * xi;
                    s1 += w[w1 + i] * xi;
                    s2 += w[w2 + i] * xi;
                    s3 += w[w3 + i] * xi;
                }
                out[y + o] = s0;
                out[y + o + 1] = s1;
                out[y + o + 2] = s2;
                out[y + o + 3] = s3;
            }
            for (; o < outDim; o++) {
                out[y + o] = dot(in, x, w, wOff + o * inDim, inDim);
            }
        }
    }

    /** {@code dIn[r][i] += sum_o dOut[r][o] * w[o][i]} for rows {@code r in [r0, r1)}. */
    public static void backwardInput(float[] dIn, int dInOff, float[] dOut, int dOutOff, float[] w, int wOff,
                                     int inDim, int outDim, int r0, int r1) {
        int bound = S.loopBound(inDim);
        int r = r0;
        for (; r + 4 <= r1; r += 4) {
            int g0 = dOutOff + r * outDim;
            int g1 = g0 + outDim;
            int g2 = g1 + outDim;
            int g3 = g2 + outDim;
            int d0 = dInOff + r * inDim;
            int d1 = d0 + inDim;
            int d2 = d1 + inDim;
            int d3 = d2 + inDim;
            int i = 0;
            for (; i < bound; i += L) {
                FloatVector a0 = FloatVector.fromArray(S, dIn, d0 + i);
                FloatVector a1 = FloatVector.fromArray(S, dIn, d1 + i);
                FloatVector a2 = FloatVector.fromArray(S, dIn, d2 + i);
                FloatVector a3 = FloatVector.fromArray(S, dIn, d3 + i);
                for (int o = 0; o < outDim; o++) {
                    FloatVector wv = FloatVector.fromArray(S, w, wOff + o * inDim + i);
                    a0 = wv.fma(FloatVector.broadcast(S, dOut[g0 + o]), a0);
                    a1 = wv.fma(FloatVector.broadcast(S, dOut[g1 + o]), a1);
                    a2 = wv.fma(FloatVector.broadcast(S, dOut[g2 + o]), a2);
                    a3 = wv.fma(FloatVector.broadcast(S, dOut[g3 + o]), a3);
                }
                a0.intoArray(dIn, d0 + i);
                a1.intoArray(dIn, d1 + i);
                a2.intoArray(dIn, d2 + i);
                a3.intoArray(dIn, d3 + i);
            }
            if (i < inDim) {
                MatmulScalar.backwardInputColumns(dIn, dInOff, dOut, dOutOff, w, wOff, inDim, outDim, r, r + 4, i);
            }
        }
        for (; r < r1; r++) {
            int g = dOutOff + r * outDim;
            int d = dInOff + r * inDim;
            for (int o = 0; o < outDim; o++) {
                axpy(dOut[g + o], w, wOff + o * inDim, dIn, d, inDim);
            }
        }
    }

    /** {@code dW[o][i] += sum_r dOut[r][o] * in[r][i]} over rows {@code [0, rows)}, for outputs {@code o in [o0, o1)}. */
    public static void backwardWeight(float[] dW, int dWOff, float[] dOut, int dOutOff, float[] in, int inOff,
                                      int inDim, int outDim, int rows, int o0, int o1) {
        int bound = S.loopBound(inDim);
        int o = o0;
        for (; o + 4 <= o1; o += 4) {
            int w0 = dWOff + o * inDim;
            int w1 = w0 + inDim;
            int w2 = w1 + inDim;
            int w3 = w2 + inDim;
            int i = 0;
            for (; i < bound; i += L) {
                FloatVector a0 = FloatVector.fromArray(S, dW, w0 + i);
                FloatVector a1 = FloatVector.fromArray(S, dW, w1 + i);
                FloatVector a2 = FloatVector.fromArray(S, dW, w2 + i);
                FloatVector a3 = FloatVector.fromArray(S, dW, w3 + i);
                for (int r = 0; r < rows; r++) {
                    FloatVector xv = FloatVector.fromArray(S, in, inOff + r * inDim + i);
                    int g = dOutOff + r * outDim + o;
                    a0 = xv.fma(FloatVector.broadcast(S, dOut[g]), a0);
                    a1 = xv.fma(FloatVector.broadcast(S, dOut[g + 1]), a1);
                    a2 = xv.fma(FloatVector.broadcast(S, dOut[g + 2]), a2);
                    a3 = xv.fma(FloatVector.broadcast(S, dOut[g + 3]), a3);
                }
                a0.intoArray(dW, w0 + i);
                a1.intoArray(dW, w1 + i);
                a2.intoArray(dW, w2 + i);
                a3.intoArray(dW, w3 + i);
            }
            if (i < inDim) {
                MatmulScalar.backwardWeightColumns(dW, dWOff, dOut, dOutOff, in, inOff, inDim, outDim, rows, o, o + 4, i);
            }
        }
        for (; o < o1; o++) {
            int wRow = dWOff + o * inDim;
            for (int r = 0; r < rows; r++) {
                axpy(dOut[dOutOff + r * outDim + o], in, inOff + r * inDim, dW, wRow, inDim);
            }
        }
    }

    /** Dot product of {@code a[ao..ao+n)} and {@code b[bo..bo+n)}. */
    public static float dot(float[] a, int ao, float[] b, int bo, int n) {
        int bound = S.loopBound(n);
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (; i < bound; i += L) {
            acc = FloatVector.fromArray(S, a, ao + i).fma(FloatVector.fromArray(S, b, bo + i), acc);
        }
        float s = sum(acc);
        for (; i < n; i++) {
            s += a[ao + i] * b[bo + i];
        }
        return s;
    }

    /** {@code y[yo..yo+n) += alpha * x[xo..xo+n)}. */
    public static void axpy(float alpha, float[] x, int xo, float[] y, int yo, int n) {
        int bound = S.loopBound(n);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector.fromArray(S, x, xo + i).fma(FloatVector.broadcast(S, alpha), FloatVector.fromArray(S, y, yo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] += alpha * x[xo + i];
        }
    }
}
