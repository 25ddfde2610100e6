package io.flotilla.bench;

import io.flotilla.gguf.GgufFile;
import io.flotilla.kernel.Compute;
import io.flotilla.model.InferenceState;
import io.flotilla.model.Model;
import java.io.IOException;
import java.nio.file.Path;

/** Flotilla as a benchmark target: one model, one cache of {@code context} positions, greedy decoding. */
final class FlotillaEngine implements EngineTarget {
    private final GgufFile file;
    private final Compute compute;
    private final Model model;
    private final InferenceState state;

    private FlotillaEngine(GgufFile file, Compute compute, Model model, InferenceState state) {
        this.file = file;
        this.compute = compute;
        this.model = model;
        this.state = state;
    }

    /** Maps {@code path} and loads its model on {@code threads} threads with a cache of {@code context} positions. */
    static FlotillaEngine open(Path path, int threads, int context) throws IOException {
        GgufFile file = GgufFile.open(path);
        Compute compute = null;
        try {
            compute = new Compute(threads);
            Model model = Model.load(file, compute);
            int max = model.config().contextLength();
            if (max > 0 && context > max) {
                throw new IllegalArgumentException("prompt + generated tokens (" + context
                        + ") exceed the model's context of " + max);
            }
            InferenceState state = model.newState(context);
            model.warmUp().start(); // the first forward waits for it
            return new FlotillaEngine(file, compute, model, state);
        } catch (RuntimeException e) {
            if (compute != null) {
                compute.close();
            }
            file.close();
            throw e;
        }
    }

    GgufFile file() {
        return file;
    }

    Model model() {
        return model;
    }

    long kvCacheBytes() {
        return state.kvCache().byteSize();
    }

    @Override
    public String name() {
        return "flotilla";
    }

    /** The greedy token after {@code prompt}, from an empty cache: what a user waits for after start-up. */
    int firstToken(int[] prompt) {
        state.reset();
        return argmax(model.forward(state, prompt, 0, prompt.length, false));
    }

    @Override
    public void prime() {
        firstToken(new int[] {0});
    }

    @Override
    public EngineRun run(int[] prompt, int genTokens) {
        state.reset();
        long t0 = System.nanoTime();
        float[] logits = model.forward(state, prompt, 0, prompt.length, false);
        long t1 = System.nanoTime();
        int[] one = new int[1];
        for (int i = 0; i < genTokens; i++) {
            one[0] = argmax(logits);
            logits = model.forward(state, one, 0, 1, false);
        }
        return EngineRun.of(prompt.length, t1 - t0, genTokens, System.nanoTime() - t1);
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

    @Override
    public void close() {
        model.warmUp().close();
        compute.close();
        file.close();
    }
}
