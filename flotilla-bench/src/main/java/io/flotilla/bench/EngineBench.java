package io.flotilla.bench;

import io.flotilla.bench.llamacpp.LlamaBenchProcess;
import io.flotilla.bench.llamacpp.LlamaCppEngine;
import io.flotilla.gguf.GgufFile;
import io.flotilla.gguf.GgufTensorInfo;
import io.flotilla.model.ModelConfig;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Prefill and decode speed of one model on this machine, optionally against llama.cpp in the same
 * run. The prompt is random token ids (the speed does not depend on them), decoding is greedy, and
 * every run starts from an empty cache. Order of work: start-up to first token (cold), one warm-up
 * run, resident memory (before the baseline is loaded, so that only Flotilla is counted), the
 * baseline's warm-up, then {@code repeat} rounds in which Flotilla and the baseline take turns to go
 * first, each timed run right after one untimed token of its own (llama-bench's per-process warm-up).
 */
public final class EngineBench {
    private EngineBench() {}

    public static EngineBenchStats run(EngineBenchConfig c) throws IOException {
        Optional<ProcessMemory> before = ProcessMemory.read();
        long t0 = System.nanoTime();
        long cpu0 = processCpuNanos();
        try (FlotillaEngine flotilla = FlotillaEngine.open(c.model(), c.threads(), c.promptTokens() + c.genTokens())) {
            int[] prompt = new SplittableRandom(42).ints(c.promptTokens(), 0, flotilla.model().config().vocabSize())
                    .toArray();
            flotilla.firstToken(new int[] {prompt[0]});
            double startupMillis = (System.nanoTime() - t0) / 1e6;
            double startupCpuMillis = (processCpuNanos() - cpu0) / 1e6;
            flotilla.warmUp(prompt, c.genTokens());
            EngineMemoryStats memory = before.flatMap(b -> ProcessMemory.read().map(g -> new EngineMemoryStats(b, g,
                    flotilla.file().fileSize(), flotilla.kvCacheBytes()))).orElse(null);
            long bytesPerToken = weightBytesPerToken(flotilla.file(), flotilla.model().config(),
                    flotilla.model().tiedOutput());
            double[] prefill = new double[c.repeat()];
            double[] decode = new double[c.repeat()];
            try (EngineTarget base = openBaseline(c)) {
                double[] basePrefill = new double[c.repeat()];
                double[] baseDecode = new double[c.repeat()];
                if (base != null) {
                    base.warmUp(prompt, c.genTokens());
                }
                for (int r = 0; r < c.repeat(); r++) {
                    if (base != null && r % 2 == 1) {
                        record(timed(base, prompt, c.genTokens()), basePrefill, baseDecode, r);
                    }
                    record(timed(flotilla, prompt, c.genTokens()), prefill, decode, r);
                    if (base != null && r % 2 == 0) {
                        record(timed(base, prompt, c.genTokens()), basePrefill, baseDecode, r);
                    }
                }
                EngineBenchStats.Baseline baseline = base == null ? null
                        : new EngineBenchStats.Baseline(base.name(), basePrefill, baseDecode);
                return new EngineBenchStats(c, bytesPerToken, prefill, decode, startupMillis, startupCpuMillis,
                        memory, baseline);
            }
        }
    }

    /** CPU time of this process, all threads (JIT compiler included); -1 where the JVM does not tell. */
    static long processCpuNanos() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : -1;
    }

    /** One timed run of {@code target}, after its untimed token ({@link EngineTarget#prime}). */
    static EngineRun timed(EngineTarget target, int[] prompt, int genTokens) {
        target.prime();
        return target.run(prompt, genTokens);
    }

    private static void record(EngineRun run, double[] prefill, double[] decode, int r) {
        prefill[r] = run.prefillTokensPerSecond();
        decode[r] = run.decodeTokensPerSecond();
    }

    /** The baseline's target, or null for none. */
    private static EngineTarget openBaseline(EngineBenchConfig c) throws IOException {
        return switch (c.baseline()) {
            case EngineBaseline.None n -> null;
            case EngineBaseline.LlamaCppLibrary l -> LlamaCppEngine.open(c.model(), c.threads(), c.promptTokens(),
                    c.genTokens());
            case EngineBaseline.LlamaBench b -> new LlamaBenchProcess(b.binary(), c.model(), c.threads());
        };
    }

    /** Bytes of weights one decode step reads. */
    static long weightBytesPerToken(GgufFile file, ModelConfig config, boolean tiedOutput) {
        long bytes = 0;
        for (GgufTensorInfo t : file.tensors()) {
            if (t.name().equals("token_embd.weight")) {
                bytes += tiedOutput ? t.byteSize() : t.byteSize() / Math.max(1, t.ne(1));
            } else if (t.name().contains("_exps.")) {
                bytes += t.byteSize() / config.experts() * config.expertsUsed();
            } else {
                bytes += t.byteSize();
            }
        }
        return bytes;
    }
}
