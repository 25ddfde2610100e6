package io.flotilla.bench;

import java.util.Arrays;

/**
 * What an engine benchmark measured: tokens per second of each timed run, and the bytes of
 * weights one decode step reads (every matrix once; of the experts only the used share; of the
 * token embedding one row unless it is also the output projection).
 */
public record EngineBenchStats(EngineBenchConfig config, long weightBytesPerToken, double[] prefillTokensPerSecond,
                               double[] decodeTokensPerSecond) {

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
}
