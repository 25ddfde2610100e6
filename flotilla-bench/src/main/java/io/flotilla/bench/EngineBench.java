package io.flotilla.bench;

import io.flotilla.gguf.GgufFile;
import io.flotilla.gguf.GgufTensorInfo;
import io.flotilla.kernel.Compute;
import io.flotilla.model.InferenceState;
import io.flotilla.model.Model;
import io.flotilla.model.ModelConfig;
import java.io.IOException;
import java.util.SplittableRandom;

/**
 * Prefill and decode speed of one model on this machine: the prompt is random token ids (the
 * speed does not depend on them), decoding is greedy, and every run starts from an empty cache.
 */
public final class EngineBench {
    private EngineBench() {}

    public static EngineBenchStats run(EngineBenchConfig c) throws IOException {
        try (GgufFile file = GgufFile.open(c.model()); Compute compute = new Compute(c.threads())) {
            Model model = Model.load(file, compute);
            int context = c.promptTokens() + c.genTokens();
            if (model.config().contextLength() > 0 && context > model.config().contextLength()) {
                throw new IllegalArgumentException("prompt " + c.promptTokens() + " + generated " + c.genTokens()
                        + " tokens exceed the model's context of " + model.config().contextLength());
            }
            InferenceState state = model.newState(context);
            int[] prompt = new SplittableRandom(42).ints(c.promptTokens(), 0, model.config().vocabSize()).toArray();
            double[] prefill = new double[c.repeat()];
            double[] decode = new double[c.repeat()];
            timeOnce(model, state, prompt, c.genTokens()); // warm-up: JIT, page faults of the mapping
            for (int r = 0; r < c.repeat(); r++) {
                long[] nanos = timeOnce(model, state, prompt, c.genTokens());
                prefill[r] = c.promptTokens() * 1e9 / nanos[0];
                decode[r] = c.genTokens() * 1e9 / nanos[1];
            }
            return new EngineBenchStats(c, weightBytesPerToken(file, model.config(), model.tiedOutput()), prefill,
                    decode);
        }
    }

    /** Nanoseconds of the prefill and of the decode steps. */
    private static long[] timeOnce(Model model, InferenceState state, int[] prompt, int gen) {
        state.reset();
        long t0 = System.nanoTime();
        float[] logits = model.forward(state, prompt, 0, prompt.length, false);
        long t1 = System.nanoTime();
        int[] one = new int[1];
        for (int i = 0; i < gen; i++) {
            one[0] = argmax(logits);
            logits = model.forward(state, one, 0, 1, false);
        }
        return new long[] {t1 - t0, System.nanoTime() - t1};
    }

    private static int argmax(float[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) {
            if (x[i] > x[best]) {
                best = i;
            }
        }
        return best;
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
