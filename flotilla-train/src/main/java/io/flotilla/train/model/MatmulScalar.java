package io.flotilla.train.model;

/** Scalar twins of the {@link Matmul} kernels: the reference the vector kernels are tested against. */
public final class MatmulScalar {

    private MatmulScalar() {}

    public static void forward(float[] out, int outOff, float[] in, int inOff, float[] w, int wOff,
                               int inDim, int outDim, int r0, int r1) {
        for (int r = r0; r < r1; r++) {
            for (int o = 0; o < outDim; o++) {
                float s = 0f;
                for (int i = 0; i < inDim; i++) {
                    s += in[inOff + r * inDim + i] * w[wOff + o * inDim + i];
                }
                out[outOff + r * outDim + o] = s;
            }
        }
    }

    public static void backwardInput(float[] dIn, int dInOff, float[] dOut, int dOutOff, float[] w, int wOff,
                                     int inDim, int outDim, int r0, int r1) {
        backwardInputColumns(dIn, dInOff, dOut, dOutOff, w, wOff, inDim, outDim, r0, r1, 0);
    }

    public static void backwardWeight(float[] dW, int dWOff, float[] dOut, int dOutOff, float[] in, int inOff,
                                      int inDim, int outDim, int rows, int o0, int o1) {
        backwardWeightColumns(dW, dWOff, dOut, dOutOff, in, inOff, inDim, outDim, rows, o0, o1, 0);
    }

    /** {@link #backwardInput} restricted to input columns {@code [i0, inDim)}. */
    static void backwardInputColumns(float[] dIn, int dInOff, float[] dOut, int dOutOff, float[] w, int wOff,
                                     int inDim, int outDim, int r0, int r1, int i0) {
        for (int r = r0; r < r1; r++) {
            for (int i = i0; i < inDim; i++) {
                float s = dIn[dInOff + r * inDim + i];
                for (int o = 0; o < outDim; o++) {
                    s += dOut[dOutOff + r * outDim + o] * w[wOff + o * inDim + i];
                }
                dIn[dInOff + r * inDim + i] = s;
            }
        }
    }

    /** {@link #backwardWeight} restricted to input columns {@code [i0, inDim)}. */
    static void backwardWeightColumns(float[] dW, int dWOff, float[] dOut, int dOutOff, float[] in, int inOff,
                                      int inDim, int outDim, int rows, int o0, int o1, int i0) {
        for (int o = o0; o < o1; o++) {
            for (int i = i0; i < inDim; i++) {
                float s = dW[dWOff + o * inDim + i];
                for (int r = 0; r < rows; r++) {
                    s += dOut[dOutOff + r * outDim + o] * in[inOff + r * inDim + i];
                }
                dW[dWOff + o * inDim + i] = s;
            }
        }
    }
}
