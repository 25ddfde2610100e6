package io.flotilla.train.model;

import static org.assertj.core.api.Assertions.assertThat;

/** Central finite differences, taken in double on float buffers, against an analytic gradient. */
final class GradCheck {

    @FunctionalInterface
    interface Loss {
        double eval();
    }

    private GradCheck() {}

    static double numeric(float[] a, int i, float eps, Loss loss) {
        float old = a[i];
        float plus = old + eps;
        float minus = old - eps;
        a[i] = plus;
        double lp = loss.eval();
        a[i] = minus;
        double lm = loss.eval();
        a[i] = old;
        return (lp - lm) / ((double) plus - (double) minus);
    }

    /** Checks {@code analytic[aOff + i]} for every i in {@code [0, n)} against d loss / d a[off + i]. */
    static void check(String what, float[] a, int off, float[] analytic, int aOff, int n, float eps,
                      double tolerance, Loss loss) {
        for (int i = 0; i < n; i++) {
            double num = numeric(a, off + i, eps, loss);
            double ana = analytic[aOff + i];
            assertThat(Math.abs(num - ana))
                    .as("%s[%d]: analytic %s, numeric %s", what, i, ana, num)
                    .isLessThanOrEqualTo(tolerance * (1 + Math.abs(num)));
        }
    }

    /** {@code sum_i r[i] * out[i]} in double: a scalar loss whose gradient with respect to out is r. */
    static double project(float[] out, float[] r, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += (double) out[i] * r[i];
        }
        return s;
    }
}
