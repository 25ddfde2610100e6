package io.flotilla.train;

import io.flotilla.train.data.Corpus;
import io.flotilla.train.data.ShardLoader;
import io.flotilla.train.data.ValidationSet;
import io.flotilla.train.model.AdamW;
import io.flotilla.train.model.LlamaModel;
import io.flotilla.train.model.ModelConfig;
import io.flotilla.train.model.Rng;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Single-worker training: data → forward → backward → clip → AdamW, with periodic validation,
 * checkpoints ({@code checkpoint.bin}), a metrics CSV and the model as GGUF ({@code model.gguf}) in the
 * output folder. The constructor
 * does no I/O; {@link #run()} does it all and returns what it measured.
 */
public final class Trainer {

    public static final String CHECKPOINT = "checkpoint.bin";
    public static final String METRICS = "metrics.csv";
    public static final String MODEL = "model.gguf";
    static final float BETA1 = 0.9f;
    static final float BETA2 = 0.99f;
    static final float ADAM_EPS = 1e-8f;
    static final float AUX_LOSS_WEIGHT = 0.01f;

    private final TrainConfig config;
    private final TrainListener listener;
    private Corpus corpus;
    private LlamaModel model;

    public Trainer(TrainConfig config, TrainListener listener) {
        this.config = config;
        this.listener = listener;
    }

    /** Trains to {@code config.steps()}. */
    public TrainStats run() throws IOException {
        return runUntil(config.steps());
    }

    /** Trains until {@code stopStep} (at most the configured steps), checkpoints and evaluates. */
    public TrainStats runUntil(long stopStep) throws IOException {
        Files.createDirectories(config.outDir());
        corpus = Corpus.load(config.data(), config.tokenizer());
        ModelConfig shape = modelConfig(corpus.tokenizer().vocabSize());
        model = new LlamaModel(shape, config.batch());
        AdamW adam = new AdamW(model.layout(), BETA1, BETA2, ADAM_EPS, config.weightDecay());
        Rng rng = new Rng(config.seed());
        ShardLoader loader = new ShardLoader(corpus.train(), 0, 1, config.ctx(), config.seed());
        ValidationSet validation = new ValidationSet(corpus.validation(), config.ctx(), config.evalWindows(),
                config.seed());
        Path checkpointFile = config.outDir().resolve(CHECKPOINT);
        long step = 0;
        long tokens = 0;
        boolean resumed = config.resume() && Files.exists(checkpointFile);
        if (resumed) {
            Checkpoint c = Checkpoint.read(checkpointFile);
            if (!c.model().equals(shape)) {
                throw new CheckpointException(checkpointFile, 8, "model shape " + c.model()
                        + " differs from the configured " + shape);
            }
            System.arraycopy(c.params(), 0, model.params(), 0, c.params().length);
            System.arraycopy(c.m(), 0, adam.firstMoment(), 0, c.m().length);
            System.arraycopy(c.v(), 0, adam.secondMoment(), 0, c.v().length);
            adam.setStep(c.step());
            rng.setState(c.rngState());
            loader.seek(c.position());
            step = c.step();
            tokens = c.tokens();
        } else {
            model.initialize(rng);
        }
        long stop = Math.min(stopStep, config.steps());
        int rows = config.batch() * config.ctx();
        int[] inputs = new int[rows];
        int[] targets = new int[rows];
        long firstStep = step;
        long stepNanos = 0;
        try (MetricsCsv metrics = new MetricsCsv(config.outDir().resolve(METRICS), resumed)) {
            while (step < stop) {
                long t0 = System.nanoTime();
                loader.next(inputs, targets, config.batch());
                model.zeroGrad();
                double loss = model.forward(inputs, targets, config.batch(), config.ctx());
                model.backward();
                double norm = AdamW.clipGradients(model.grads(), config.clip());
                float lr = AdamW.learningRate(step, config.warmup(), config.steps(), config.lr(), config.minLr());
                adam.update(model.params(), model.grads(), lr);
                stepNanos += System.nanoTime() - t0;
                step++;
                tokens += rows;
                double tps = (double) rows * (step - firstStep) / (stepNanos * 1e-9);
                Duration eta = Duration.ofNanos(stepNanos / (step - firstStep) * (config.steps() - step));
                TrainProgress p = new TrainProgress(step, config.steps(), loss, lr, norm, tps, eta);
                metrics.step(p);
                listener.onStep(p);
                if (config.evalEvery() > 0 && step % config.evalEvery() == 0 && step < stop) {
                    double val = evaluate(validation);
                    metrics.eval(step, val);
                    listener.onEval(step, val);
                }
                if (config.checkpointEvery() > 0 && step % config.checkpointEvery() == 0 && step < stop) {
                    save(checkpointFile, step, tokens, rng, loader, adam);
                }
            }
            save(checkpointFile, step, tokens, rng, loader, adam);
            GgufExport.write(model, corpus.tokenizer(), "flotilla " + config.data().getFileName(),
                    config.outDir().resolve(MODEL));
            double val = evaluate(validation);
            metrics.eval(step, val);
            listener.onEval(step, val);
            long done = step - firstStep;
            double tps = done == 0 ? 0 : (double) rows * done / (stepNanos * 1e-9);
            return new TrainStats(val, tps, step, tokens, done == 0 ? 0 : stepNanos * 1e-9 / done);
        }
    }

    private void save(Path file, long step, long tokens, Rng rng, ShardLoader loader, AdamW adam) throws IOException {
        new Checkpoint(model.config(), step, tokens, rng.state(), loader.position(), model.params(),
                adam.firstMoment(), adam.secondMoment()).write(file);
        listener.onCheckpoint(step, file);
    }

    /** Mean cross-entropy over the validation windows, in batches of the training batch size. */
    private double evaluate(ValidationSet validation) {
        int[] in = new int[config.batch() * config.ctx()];
        int[] out = new int[in.length];
        double sum = 0;
        for (int w = 0; w < validation.windows(); w += config.batch()) {
            int count = Math.min(config.batch(), validation.windows() - w);
            validation.batch(w, count, in, out);
            model.forward(in, out, count, config.ctx());
            sum += model.crossEntropy() * count;
        }
        return sum / validation.windows();
    }

    ModelConfig modelConfig(int vocab) {
        ModelConfig dense = new ModelConfig(vocab, config.dim(), config.layers(), config.heads(), config.kvHeads(),
                ModelConfig.defaultFfnHidden(config.dim()), config.ctx(), 10000f, 1e-5f, 0, 0, 0f);
        return config.experts() > 0 ? dense.withExperts(config.experts(), config.expertsUsed(), AUX_LOSS_WEIGHT) : dense;
    }

    /** The model after {@link #run()} (for export and tests). */
    public LlamaModel model() {
        return model;
    }

    /** The tokenized corpus after {@link #run()}. */
    public Corpus corpus() {
        return corpus;
    }
}
