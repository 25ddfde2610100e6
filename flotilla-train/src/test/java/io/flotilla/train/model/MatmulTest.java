package io.flotilla.train.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MatmulTest {

    @ParameterizedTest
    @CsvSource({"1,1,1", "7,37,13", "12,128,352", "5,352,128", "9,16,65", "4,64,4"})
    void vectorKernelsMatchTheirScalarTwins(int rows, int inDim, int outDim) {
        Rng rng = new Rng(rows * 1000L + inDim * 10L + outDim);
        float[] in = random(rng, rows * inDim);
        float[] w = random(rng, outDim * inDim);
        float[] dOut = random(rng, rows * outDim);

        float[] out = new float[rows * outDim + 3];
        float[] outRef = new float[rows * outDim + 3];
        Matmul.forward(out, 3, pad(in, 2), 2, pad(w, 1), 1, inDim, outDim, 0, rows);
        MatmulScalar.forward(outRef, 3, pad(in, 2), 2, pad(w, 1), 1, inDim, outDim, 0, rows);
        assertClose(out, outRef);

        float[] dIn = random(rng, rows * inDim);
        float[] dInRef = dIn.clone();
        Matmul.backwardInput(dIn, 0, dOut, 0, w, 0, inDim, outDim, 0, rows);
        MatmulScalar.backwardInput(dInRef, 0, dOut, 0, w, 0, inDim, outDim, 0, rows);
        assertClose(dIn, dInRef);

        float[] dW = random(rng, outDim * inDim);
        float[] dWRef = dW.clone();
        Matmul.backwardWeight(dW, 0, dOut, 0, in, 0, inDim, outDim, rows, 0, outDim);
        MatmulScalar.backwardWeight(dWRef, 0, dOut, 0, in, 0, inDim, outDim, rows, 0, outDim);
        assertClose(dW, dWRef);
    }

    @ParameterizedTest
    @CsvSource({"1", "15", "16", "17", "100"})
    void dotAndAxpyMatchScalar(int n) {
        Rng rng = new Rng(n);
        float[] a = random(rng, n);
        float[] b = random(rng, n);
        double ref = 0;
        for (int i = 0; i < n; i++) {
            ref += (double) a[i] * b[i];
        }
        assertThat((double) Matmul.dot(a, 0, b, 0, n)).isCloseTo(ref, within(1e-4));
        float[] y = b.clone();
        Matmul.axpy(0.5f, a, 0, y, 0, n);
        for (int i = 0; i < n; i++) {
            assertThat(y[i]).isCloseTo(b[i] + 0.5f * a[i], within(1e-6f));
        }
    }

    static float[] random(Rng rng, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rng.nextGaussian();
        }
        return a;
    }

    private static float[] pad(float[] a, int front) {
        float[] p = new float[a.length + front];
        System.arraycopy(a, 0, p, front, a.length);
        return p;
    }

    private static void assertClose(float[] actual, float[] expected) {
        for (int i = 0; i < actual.length; i++) {
            assertThat(actual[i]).as("element %d", i)
                    .isCloseTo(expected[i], within(1e-4f * (1f + Math.abs(expected[i]))));
        }
    }
}
