package io.flotilla.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.bench.EngineBaseline;
import io.flotilla.bench.EngineBench;
import io.flotilla.bench.EngineBenchConfig;
import io.flotilla.bench.EngineBenchStats;
import io.flotilla.bench.EngineMemoryStats;
import io.flotilla.gguf.GgmlType;
import io.flotilla.model.synth.SyntheticModel;
import io.flotilla.model.synth.SyntheticModelStats;
import io.flotilla.model.synth.SyntheticSpec;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code flotilla bench engine}: prefill and decode tokens/s, median and spread, weight bytes/s, and the A/B ratio to llama.cpp. */
@Command(name = "engine", mixinStandardHelpOptions = true,
        description = {"Prefill and decode speed of one model on this machine (median and spread of --repeat runs",
                "after a warm-up run), the implied bytes/s of weights read, start-up to first token and resident",
                "memory. With --compare llamacpp (or --llama-bench PATH) llama.cpp runs the same model in the same",
                "run, the two taking turns (each timed run right after one untimed token, as llama-bench does),",
                "and the ratio Flotilla / llama.cpp is printed. Without --model, a",
                "random-weight model of a real shape is written to --models-dir if missing (--preset, --type)."})
final class BenchEngineCommand implements Callable<Integer> {
    enum Compare { llamacpp, none }

    @Option(names = {"-m", "--model"}, paramLabel = "FILE", description = "a GGUF model (default: the --preset model)")
    Path model;

    @Option(names = "--preset", paramLabel = "NAME", description = "synthetic shape, one of ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE})",
            completionCandidates = Presets.class)
    String preset = "llama-3.2-1b";

    @Option(names = "--type", paramLabel = "TYPE", description = "weight type of the synthetic model (default: ${DEFAULT-VALUE})")
    GgmlType type = GgmlType.Q4_0;

    @Option(names = "--models-dir", paramLabel = "DIR", description = "where synthetic models are kept (default: ${DEFAULT-VALUE})")
    Path modelsDir = Path.of("models");

    @Option(names = {"-t", "--threads"}, paramLabel = "N", description = "default: this machine's cores, ${DEFAULT-VALUE}")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--prompt-tokens", paramLabel = "N", description = "default: ${DEFAULT-VALUE}")
    int promptTokens = 128;

    @Option(names = "--gen-tokens", paramLabel = "N", description = "default: ${DEFAULT-VALUE}")
    int genTokens = 64;

    @Option(names = "--repeat", paramLabel = "N", description = "timed runs (default: ${DEFAULT-VALUE})")
    int repeat = 5;

    @Option(names = "--compare", paramLabel = "WHAT", description = "llamacpp: also time llama.cpp (de.kherud:llama"
            + " unless --llama-bench is given); none (default)")
    Compare compare;

    @Option(names = "--llama-bench", paramLabel = "PATH", description = "a llama-bench binary (llama.cpp built for"
            + " this CPU) to compare with; implies --compare llamacpp")
    Path llamaBench;

    @Option(names = "--json", description = "print one JSON object")
    boolean json;

    static final class Presets extends java.util.ArrayList<String> {
        Presets() {
            super(SyntheticSpec.PRESETS);
        }
    }

    @Override
    public Integer call() throws Exception {
        EngineBaseline baseline = baseline();
        Path file = model != null ? model : syntheticModel();
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString());
        }
        EngineBenchStats s = EngineBench.run(new EngineBenchConfig(file, threads, promptTokens, genTokens, repeat,
                baseline));
        if (json) {
            System.out.println(toJson(file, s));
        } else {
            print(file, s);
        }
        return 0;
    }

    private EngineBaseline baseline() {
        if (llamaBench != null) {
            if (compare == Compare.none) {
                throw new IllegalArgumentException("--llama-bench " + llamaBench + " contradicts --compare none");
            }
            if (!Files.isRegularFile(llamaBench) || !Files.isExecutable(llamaBench)) {
                throw new IllegalArgumentException("--llama-bench " + llamaBench + ": no such executable file");
            }
            return new EngineBaseline.LlamaBench(llamaBench);
        }
        return compare == Compare.llamacpp ? new EngineBaseline.LlamaCppLibrary() : new EngineBaseline.None();
    }

    private ObjectNode toJson(Path file, EngineBenchStats s) {
        ObjectNode o = new ObjectMapper().createObjectNode();
        o.put("model", file.toString());
        o.put("threads", threads);
        o.put("prompt_tokens", promptTokens);
        o.put("gen_tokens", genTokens);
        o.put("repeat", repeat);
        spread(o.putObject("prefill_tokens_per_s"), s.prefill());
        spread(o.putObject("decode_tokens_per_s"), s.decode());
        o.put("weight_bytes_per_token", s.weightBytesPerToken());
        o.put("decode_gb_per_s", Sizes.round2(s.decodeBytesPerSecond() / 1e9));
        o.put("startup_to_first_token_ms", Sizes.round2(s.startupMillis()));
        o.put("startup_cpu_ms", Sizes.round2(s.startupCpuMillis()));
        if (s.memory() != null) {
            EngineMemoryStats m = s.memory();
            ObjectNode mem = o.putObject("memory");
            mem.put("rss_bytes", m.generating().rssBytes());
            mem.put("rss_anon_bytes", m.generating().rssAnonBytes());
            mem.put("rss_file_bytes", m.generating().rssFileBytes());
            mem.put("rss_before_open_bytes", m.beforeOpen().rssBytes());
            mem.put("file_bytes", m.fileBytes());
            mem.put("kv_cache_bytes", m.kvCacheBytes());
            mem.put("limit_bytes", m.limitBytes());
            mem.put("within_limit", m.withinLimit());
            mem.put("model_rss_bytes", m.modelRssBytes());
            mem.put("model_within_limit", m.modelWithinLimit());
        }
        if (s.baseline() != null) {
            ObjectNode b = o.putObject("llamacpp");
            b.put("backend", s.baseline().name());
            spread(b.putObject("prefill_tokens_per_s"), s.baseline().prefill());
            spread(b.putObject("decode_tokens_per_s"), s.baseline().decode());
            ObjectNode r = o.putObject("ratio");
            r.put("prefill", Sizes.round3(s.prefillRatio()));
            r.put("decode", Sizes.round3(s.decodeRatio()));
        }
        return o;
    }

    private void print(Path file, EngineBenchStats s) {
        System.out.printf(Locale.ROOT, "model   %s, %d threads, %d prompt + %d generated tokens, %d runs%n",
                file, threads, promptTokens, genTokens, repeat);
        System.out.printf(Locale.ROOT, "prefill %.2f tok/s (min %.2f, max %.2f)%n", s.prefill().median(),
                s.prefill().min(), s.prefill().max());
        System.out.printf(Locale.ROOT, "decode  %.2f tok/s (min %.2f, max %.2f), %.2f GB/s of weights (%s per token)%n",
                s.decode().median(), s.decode().min(), s.decode().max(), s.decodeBytesPerSecond() / 1e9,
                Sizes.bytes(s.weightBytesPerToken()));
        System.out.printf(Locale.ROOT, "start   %.0f ms from opening the file to the first token (CPU %.0f ms, all threads)%n",
                s.startupMillis(), s.startupCpuMillis());
        if (s.memory() != null) {
            EngineMemoryStats m = s.memory();
            System.out.printf(Locale.ROOT, "memory  RSS %s (anon %s, file %s; %s before opening) vs file %s + KV %s"
                            + " + 10%% = %s: %s; without the JVM's own %s: %s%n", Sizes.bytes(m.generating().rssBytes()),
                    Sizes.bytes(m.generating().rssAnonBytes()), Sizes.bytes(m.generating().rssFileBytes()),
                    Sizes.bytes(m.beforeOpen().rssBytes()), Sizes.bytes(m.fileBytes()), Sizes.bytes(m.kvCacheBytes()),
                    Sizes.bytes(m.limitBytes()), m.withinLimit() ? "within" : "over",
                    Sizes.bytes(m.modelRssBytes()), m.modelWithinLimit() ? "within" : "over");
        }
        if (s.baseline() != null) {
            EngineBenchStats.Baseline b = s.baseline();
            System.out.printf(Locale.ROOT, "%s%n", b.name());
            System.out.printf(Locale.ROOT, "prefill %.2f tok/s (min %.2f, max %.2f)%n", b.prefill().median(),
                    b.prefill().min(), b.prefill().max());
            System.out.printf(Locale.ROOT, "decode  %.2f tok/s (min %.2f, max %.2f)%n", b.decode().median(),
                    b.decode().min(), b.decode().max());
            System.out.printf(Locale.ROOT, "ratio   Flotilla / llama.cpp: prefill %.3f, decode %.3f%n",
                    s.prefillRatio(), s.decodeRatio());
        }
    }

    private Path syntheticModel() throws Exception {
        SyntheticSpec spec = SyntheticSpec.preset(preset, type);
        Path file = modelsDir.resolve(preset + "-" + type + ".gguf");
        if (!Files.exists(file)) {
            System.err.printf("writing %s (random weights, shape of %s)...%n", file, preset);
            SyntheticModelStats st = SyntheticModel.write(spec, file);
            System.err.printf(Locale.ROOT, "wrote %s in %.1f s%n", Sizes.bytes(st.bytes()), st.seconds());
        }
        return file;
    }

    private static void spread(ObjectNode o, EngineBenchStats.Spread s) {
        o.put("median", Sizes.round2(s.median()));
        o.put("min", Sizes.round2(s.min()));
        o.put("max", Sizes.round2(s.max()));
    }
}
