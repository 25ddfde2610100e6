package io.flotilla.bench.serve;

import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A load benchmark of a serving endpoint, with the definitions of vLLM's
 * {@code benchmark_serving}: every request's TTFT, inter-token latencies, TPOT and end-to-end
 * latency, and over the whole run (first send to last completion) requests/s, output tokens/s and
 * goodput (requests/s meeting every SLO given).
 */
public final class ServeBench {
    private ServeBench() {}

    public static ServeBenchStats run(ServeBenchConfig c, CompletionClient client) throws InterruptedException {
        ServePrompts source = new ServePrompts(c.inputLen(), c.sharedPrefix(), c.seed());
        String[] prompts = new String[c.requests()];
        for (int i = 0; i < prompts.length; i++) {
            prompts[i] = source.next();
        }
        RequestTiming[] results = new RequestTiming[c.requests()];
        long t0 = System.nanoTime();
        // platform threads: a client may block in native code (llama.cpp), which would pin a virtual
        // thread's carrier and cap the concurrency at the number of cores
        try (ExecutorService exec = Executors.newThreadPerTaskExecutor(Thread.ofPlatform().daemon().factory())) {
            if (c.poisson()) {
                arrive(c, client, prompts, results, exec, t0);
            } else {
                AtomicInteger next = new AtomicInteger();
                for (int w = 0; w < Math.min(c.concurrency(), c.requests()); w++) {
                    exec.submit(() -> {
                        for (int i; (i = next.getAndIncrement()) < prompts.length; ) {
                            results[i] = send(client, prompts[i], c.outputLen());
                        }
                    });
                }
            }
        } // waits for every request
        return ServeBenchStats.of(c, results, (System.nanoTime() - t0) / 1e9);
    }

    /** Sends each request at its Poisson arrival time, at most {@code concurrency} in flight when set. */
    private static void arrive(ServeBenchConfig c, CompletionClient client, String[] prompts, RequestTiming[] results,
                               ExecutorService exec, long t0) throws InterruptedException {
        long[] at = arrivalNanos(c.rate(), c.requests(), c.seed());
        Semaphore inFlight = new Semaphore(c.concurrency() > 0 ? c.concurrency() : Integer.MAX_VALUE);
        for (int i = 0; i < prompts.length; i++) {
            long wait = t0 + at[i] - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            inFlight.acquire();
            int k = i;
            exec.submit(() -> {
                try {
                    results[k] = send(client, prompts[k], c.outputLen());
                } finally {
                    inFlight.release();
                }
            });
        }
    }

    /**
     * One untimed request before the benchmark (as vLLM's benchmark does): warms up the client and
     * the server, and stops at once with the reason when the endpoint does not answer.
     *
     * @throws IllegalStateException naming the endpoint and the error when the request fails
     */
    public static void probe(CompletionClient client, ServeBenchConfig c) {
        RequestTiming r = send(client, new ServePrompts(c.inputLen(), c.sharedPrefix(), c.seed() + 1).next(),
                c.outputLen());
        if (!r.ok()) {
            throw new IllegalStateException("the first request to " + client + " failed: " + r.error());
        }
    }

    private static RequestTiming send(CompletionClient client, String prompt, int maxTokens) {
        try {
            return client.complete(prompt, maxTokens);
        } catch (RuntimeException e) {
            return RequestTiming.failed(e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    /** Send times (ns after the start) of a Poisson process of {@code rate} per second: exponential gaps, the first at 0. */
    static long[] arrivalNanos(double rate, int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        long[] at = new long[n];
        double t = 0;
        for (int i = 1; i < n; i++) {
            t += -Math.log(1 - random.nextDouble()) / rate;
            at[i] = Math.round(t * 1e9);
        }
        return at;
    }
}
