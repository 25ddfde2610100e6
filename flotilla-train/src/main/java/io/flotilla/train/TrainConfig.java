package io.flotilla.train;

import java.nio.file.Path;

/**
 * Settings of a single-worker training run.
 *
 * @param data            UTF-8 text file to train on (first 90% of its tokens train, last 10% validate)
 * @param tokenizer       {@code byte}, {@code char} or {@code bpe:N}
 * @param layers          transformer blocks
 * @param heads           query heads
 * @param kvHeads         key/value heads (grouped-query attention when fewer than heads)
 * @param dim             model width
 * @param ctx             context length of every training window
 * @param experts         experts per MoE feed-forward, 0 for dense
 * @param expertsUsed     experts each token uses (top-k), 0 for dense
 * @param batch           windows per step
 * @param steps           optimizer steps in the whole run (the cosine schedule ends here)
 * @param lr              peak learning rate
 * @param warmup          linear warm-up steps
 * @param minLr           learning rate at the end of the cosine decay
 * @param weightDecay     AdamW decoupled weight decay (matrices and embeddings only)
 * @param clip            global gradient-norm clip, 0 for none
 * @param seed            seeds initialisation, data order and the validation windows
 * @param threads         compute threads (1 keeps every step bit-reproducible on any machine)
 * @param outDir          where checkpoint, metrics CSV and GGUF go
 * @param evalEvery       steps between validation passes, 0 for only at the end
 * @param evalWindows     validation windows scored each pass
 * @param checkpointEvery steps between checkpoints, 0 for only at the end
 * @param resume          continue from {@code outDir/checkpoint.bin} when it exists
 */
public record TrainConfig(Path data, String tokenizer, int layers, int heads, int kvHeads, int dim, int ctx,
                          int experts, int expertsUsed, int batch, int steps, float lr, int warmup, float minLr,
                          float weightDecay, float clip, long seed, int threads, Path outDir, int evalEvery,
                          int evalWindows, int checkpointEvery, boolean resume) {

    public TrainConfig {
        if (data == null || outDir == null || tokenizer == null) {
            throw new IllegalArgumentException("data, tokenizer and outDir are required: " + data + ", "
                    + tokenizer + ", " + outDir);
        }
        if (batch <= 0 || steps < 0 || ctx <= 0 || threads <= 0 || evalWindows <= 0) {
            throw new IllegalArgumentException("batch " + batch + ", steps " + steps + ", ctx " + ctx
                    + ", threads " + threads + ", evalWindows " + evalWindows + ": must be positive");
        }
    }

    /**
     * The reference char-level recipe: 4 layers, width 128, 4 heads, context 64, batch 12, 2,000
     * steps, AdamW lr 1e-3 (100 warm-up steps, cosine to 1e-4), weight decay 0.1, clip 1.0.
     */
    public static TrainConfig reference(Path data, Path outDir) {
        return new TrainConfig(data, "char", 4, 4, 4, 128, 64, 0, 0, 12, 2000, 1e-3f, 100, 1e-4f,
                0.1f, 1.0f, 1337L, 1, outDir, 500, 480, 500, false);
    }

    public TrainConfig withModel(int layers, int heads, int kvHeads, int dim, int ctx) {
        return new TrainConfig(data, tokenizer, layers, heads, kvHeads, dim, ctx, experts, expertsUsed, batch, steps,
                lr, warmup, minLr, weightDecay, clip, seed, threads, outDir, evalEvery, evalWindows,
                checkpointEvery, resume);
    }

    public TrainConfig withExperts(int experts, int expertsUsed) {
        return new TrainConfig(data, tokenizer, layers, heads, kvHeads, dim, ctx, experts, expertsUsed, batch, steps,
                lr, warmup, minLr, weightDecay, clip, seed, threads, outDir, evalEvery, evalWindows,
                checkpointEvery, resume);
    }

    public TrainConfig withSchedule(int batch, int steps, float lr, int warmup, float minLr) {
        return new TrainConfig(data, tokenizer, layers, heads, kvHeads, dim, ctx, experts, expertsUsed, batch, steps,
                lr, warmup, minLr, weightDecay, clip, seed, threads, outDir, evalEvery, evalWindows,
                checkpointEvery, resume);
    }

    public TrainConfig withTokenizer(String spec) {
        return new TrainConfig(data, spec, layers, heads, kvHeads, dim, ctx, experts, expertsUsed, batch, steps,
                lr, warmup, minLr, weightDecay, clip, seed, threads, outDir, evalEvery, evalWindows,
                checkpointEvery, resume);
    }

    public TrainConfig withEval(int evalEvery, int evalWindows, int checkpointEvery) {
        return new TrainConfig(data, tokenizer, layers, heads, kvHeads, dim, ctx, experts, expertsUsed, batch, steps,
                lr, warmup, minLr, weightDecay, clip, seed, threads, outDir, evalEvery, evalWindows,
                checkpointEvery, resume);
    }

    public TrainConfig withRun(long seed, int threads, Path outDir, boolean resume) {
        return new TrainConfig(data, tokenizer, layers, heads, kvHeads, dim, ctx, experts, expertsUsed, batch, steps,
                lr, warmup, minLr, weightDecay, clip, seed, threads, outDir, evalEvery, evalWindows,
                checkpointEvery, resume);
    }
}
