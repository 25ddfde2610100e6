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
 * @param cancelled     requests the client cancelled on purpose (neither completed nor errors)
 */
public record ServeBenchStats(ServeBenchConfig config, int completed, int errors, double durationSeconds,
                              long promptTokens, long outputTokens, Distribution ttftMs, Distribution tpotMs,
                              Distribution itlMs, Distribution e2eMs, int goodRequests, List<String> errorSamples,
                              int cancelled) {

    /** Over the requests sent ({@code null} entries were never sent: the duration ran out). */
    static ServeBenchStats of(ServeBenchConfig c, RequestTiming[] all, double seconds) {
        RequestTiming[] results = Arrays.stream(all).filter(java.util.Objects::nonNull).toArray(RequestTiming[]::new);
        List<RequestTiming> ok = Arrays.stream(results).filter(RequestTiming::ok).toList();
        int cancelled = (int) Arrays.stream(results).filter(RequestTiming::cancelled).count();
        List<String> samples = new ArrayList<>();
        for (RequestTiming r : results) {
            if (!r.ok() && !r.cancelled() && samples.size() < 5 && !samples.contains(r.error())) {
                samples.add(r.error());
            }
        }
        int good = (int) ok.stream().filter(r -> meets(c, r)).count();
        return new ServeBenchStats(c, ok.size(), results.length - ok.size() - cancelled, seconds,
                ok.stream().mapToLong(RequestTiming::promptTokens).sum(),
                ok.stream().mapToLong(RequestTiming::outputTokens).sum(),
                Distribution.of(ok.stream().mapToDouble(RequestTiming::ttftMs).toArray()),
                Distribution.of(ok.stream().mapToDouble(RequestTiming::tpotMs).toArray()),
                Distribution.of(ok.stream().flatMapToDouble(r -> Arrays.stream(r.itlMs())).toArray()),
                Distribution.of(ok.stream().mapToDouble(RequestTiming::e2eMs).toArray()),
                good, List.copyOf(samples), cancelled);
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
