package io.flotilla.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.bench.EngineBench;
import io.flotilla.bench.EngineBenchConfig;
import io.flotilla.bench.EngineBenchStats;
import io.flotilla.gguf.GgmlType;
import io.flotilla.model.synth.SyntheticModel;
import io.flotilla.model.synth.SyntheticModelStats;
import io.flotilla.model.synth.SyntheticSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code flotilla bench engine}: prefill and decode tokens/s, median and spread, and weight bytes/s. */
@Command(name = "engine", mixinStandardHelpOptions = true,
        description = {"Prefill and decode speed of one model on this machine (median and spread of --repeat runs",
                "after a warm-up run) and the implied bytes/s of weights read. Without --model, a random-weight",
                "model of a real shape is written to --models-dir if missing (--preset, --type)."})
final class BenchEngineCommand implements Callable<Integer> {
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

    @Option(names = "--json", description = "print one JSON object")
    boolean json;

    static final class Presets extends java.util.ArrayList<String> {
        Presets() {
            super(SyntheticSpec.PRESETS);
        }
    }

    @Override
    public Integer call() throws Exception {
        Path file = model != null ? model : syntheticModel();
        EngineBenchStats s = EngineBench.run(new EngineBenchConfig(file, threads, promptTokens, genTokens, repeat));
        if (json) {
            ObjectMapper om = new ObjectMapper();
            ObjectNode o = om.createObjectNode();
            o.put("model", file.toString());
            o.put("threads", threads);
            o.put("prompt_tokens", promptTokens);
            o.put("gen_tokens", genTokens);
            o.put("repeat", repeat);
            spread(o.putObject("prefill_tokens_per_s"), s.prefill());
            spread(o.putObject("decode_tokens_per_s"), s.decode());
            o.put("weight_bytes_per_token", s.weightBytesPerToken());
            o.put("decode_gb_per_s", Sizes.round2(s.decodeBytesPerSecond() / 1e9));
            System.out.println(o);
        } else {
            System.out.printf(Locale.ROOT, "model   %s, %d threads, %d prompt + %d generated tokens, %d runs%n",
                    file, threads, promptTokens, genTokens, repeat);
            System.out.printf(Locale.ROOT, "prefill %.2f tok/s (min %.2f, max %.2f)%n", s.prefill().median(),
                    s.prefill().min(), s.prefill().max());
            System.out.printf(Locale.ROOT, "decode  %.2f tok/s (min %.2f, max %.2f), %.2f GB/s of weights (%s per token)%n",
                    s.decode().median(), s.decode().min(), s.decode().max(), s.decodeBytesPerSecond() / 1e9,
                    Sizes.bytes(s.weightBytesPerToken()));
        }
        return 0;
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
