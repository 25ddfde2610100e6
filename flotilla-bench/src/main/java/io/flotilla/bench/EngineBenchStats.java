package io.flotilla.bench;

import java.util.Arrays;

/**
 * What an engine benchmark measured: tokens per second of each timed run, the bytes of weights
 * one decode step reads (every matrix once; of the experts only the used share; of the token
 * embedding one row unless it is also the output projection), start-up to first token, resident
 * memory while generating ({@code null} where the OS does not report it) and the baseline's runs
 * ({@code null} without one).
 *
 * @param startupMillis    open the file, load the model, allocate the cache and compute the first
 *                         token of a one-token prompt, in a fresh benchmark (cold JIT)
 * @param startupCpuMillis the CPU time of the whole process over the same span (JIT compiler
 *                         threads included; negative where the JVM does not report it): on a
 *                         loaded machine the wall time mostly measures the load
 */
public record EngineBenchStats(EngineBenchConfig config, long weightBytesPerToken, double[] prefillTokensPerSecond,
                               double[] decodeTokensPerSecond, double startupMillis, double startupCpuMillis,
                               EngineMemoryStats memory, Baseline baseline) {

    /** The baseline's runs, each timed next to the Flotilla run of the same repeat. */
    public record Baseline(String name, double[] prefillTokensPerSecond, double[] decodeTokensPerSecond) {
        public Spread prefill() {
            return Spread.of(prefillTokensPerSecond);
        }

        public Spread decode() {
            return Spread.of(decodeTokensPerSecond);
        }
    }

    /** Median, minimum and maximum of some runs. */
    public record Spread(double median, double min, double max) {
        static Spread of(double[] values) {
            double[] v = values.clone();
            Arrays.sort(v);
            int n = v.length;
            double median = n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
            return new Spread(median, v[0], v[n - 1]);
        }
    }

    public Spread prefill() {
        return Spread.of(prefillTokensPerSecond);
    }

    public Spread decode() {
        return Spread.of(decodeTokensPerSecond);
    }

    /** Weight bytes read per second at the median decode speed. */
    public double decodeBytesPerSecond() {
        return decode().median() * weightBytesPerToken;
    }

    /** Flotilla ÷ baseline prefill speed: the median over repeats of the ratio within each repeat; NaN without a baseline. */
    public double prefillRatio() {
        return baseline == null ? Double.NaN : pairedRatio(prefillTokensPerSecond, baseline.prefillTokensPerSecond);
    }

    /** Flotilla ÷ baseline decode speed, as {@link #prefillRatio()}. */
    public double decodeRatio() {
        return baseline == null ? Double.NaN : pairedRatio(decodeTokensPerSecond, baseline.decodeTokensPerSecond);
    }

    /** The median of {@code a[i] / b[i]}: runs of one repeat are close in time, so load changes cancel. */
    static double pairedRatio(double[] a, double[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("paired runs differ in number: " + a.length + " vs " + b.length);
        }
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = a[i] / b[i];
        }
        return Spread.of(r).median();
    }
}
