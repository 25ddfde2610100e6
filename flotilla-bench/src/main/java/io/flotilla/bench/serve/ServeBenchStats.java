package io.flotilla.bench.serve;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What a load benchmark measured. Latency figures are over the successful requests; TPOT is over
 * those with more than one output token; ITL is over every gap between content chunks.
 *
 * @param goodRequests  successful requests within every SLO given (all successful ones without SLOs)
 * @param errorSamples  the first few distinct error messages
 */
public record ServeBenchStats(ServeBenchConfig config, int completed, int errors, double durationSeconds,
                              long promptTokens, long outputTokens, Distribution ttftMs, Distribution tpotMs,
                              Distribution itlMs, Distribution e2eMs, int goodRequests, List<String> errorSamples) {

    static ServeBenchStats of(ServeBenchConfig c, RequestTiming[] results, double seconds) {
        List<RequestTiming> ok = Arrays.stream(results).filter(RequestTiming::ok).toList();
        List<String> samples = new ArrayList<>();
        for (RequestTiming r : results) {
            if (!r.ok() && samples.size() < 5 && !samples.contains(r.error())) {
                samples.add(r.error());
            }
        }
        int good = (int) ok.stream().filter(r -> meets(c, r)).count();
        return new ServeBenchStats(c, ok.size(), results.length - ok.size(), seconds,
                ok.stream().mapToLong(RequestTiming::promptTokens).sum(),
                ok.stream().mapToLong(RequestTiming::outputTokens).sum(),
                Distribution.of(ok.stream().mapToDouble(RequestTiming::ttftMs).toArray()),
                Distribution.of(ok.stream().mapToDouble(RequestTiming::tpotMs).toArray()),
                Distribution.of(ok.stream().flatMapToDouble(r -> Arrays.stream(r.itlMs())).toArray()),
                Distribution.of(ok.stream().mapToDouble(RequestTiming::e2eMs).toArray()),
                good, List.copyOf(samples));
    }

    /** Whether {@code r} meets the SLOs of {@code c} (a single-token answer has no TPOT to miss). */
    private static boolean meets(ServeBenchConfig c, RequestTiming r) {
        boolean ttft = c.sloTtftMs() <= 0 || r.ttftMs() <= c.sloTtftMs();
        boolean tpot = c.sloTpotMs() <= 0 || !(r.tpotMs() > c.sloTpotMs());
        return ttft && tpot;
    }

    public double requestsPerSecond() {
        return completed / durationSeconds;
    }

    public double outputTokensPerSecond() {
        return outputTokens / durationSeconds;
    }

    /** Requests per second that met every SLO. */
    public double goodputRequestsPerSecond() {
        return goodRequests / durationSeconds;
    }
}
