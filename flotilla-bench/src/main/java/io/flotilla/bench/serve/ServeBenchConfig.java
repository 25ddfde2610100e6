package io.flotilla.bench.serve;

/**
 * One load benchmark: {@code requests} completion requests of about {@code inputLen} prompt tokens
 * (the first {@code sharedPrefix} of them the same in every prompt) asking for {@code outputLen}
 * tokens each. Either {@code concurrency} clients send back to back, or requests arrive as a
 * Poisson process of {@code rate} per second (seeded by {@code seed}), with {@code concurrency}
 * then capping the requests in flight ({@code 0}: no cap). SLOs of 0 are not applied.
 */
public record ServeBenchConfig(int requests, int concurrency, double rate, int inputLen, int outputLen,
                               int sharedPrefix, long seed, double sloTtftMs, double sloTpotMs) {
    public ServeBenchConfig {
        if (requests < 1 || inputLen < 1 || outputLen < 1) {
            throw new IllegalArgumentException("requests, input length and output length must be >= 1, got "
                    + requests + ", " + inputLen + ", " + outputLen);
        }
        if (concurrency < 0 || rate < 0 || (concurrency == 0 && rate == 0)) {
            throw new IllegalArgumentException("need a concurrency >= 1 or a rate > 0, got concurrency " + concurrency
                    + " and rate " + rate);
        }
        if (sharedPrefix < 0 || sharedPrefix > inputLen) {
            throw new IllegalArgumentException("shared prefix must be within 0.." + inputLen + " tokens, got "
                    + sharedPrefix);
        }
        if (sloTtftMs < 0 || sloTpotMs < 0) {
            throw new IllegalArgumentException("SLOs must be >= 0 ms, got TTFT " + sloTtftMs + " and TPOT " + sloTpotMs);
        }
    }

    /** Whether requests arrive at a rate rather than from a fixed number of clients. */
    public boolean poisson() {
        return rate > 0;
    }

    public boolean hasSlo() {
        return sloTtftMs > 0 || sloTpotMs > 0;
    }
}
