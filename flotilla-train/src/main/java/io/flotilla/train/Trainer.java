package io.flotilla.train;

import io.flotilla.train.data.Corpus;
import io.flotilla.train.data.ShardLoader;
import io.flotilla.train.data.ValidationSet;
import io.flotilla.train.model.AdamW;
import io.flotilla.train.model.LlamaModel;
import io.flotilla.train.model.ModelConfig;
import io.flotilla.train.model.Parallel;
import io.flotilla.train.model.Rng;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Single-worker training: data → forward → backward → clip → AdamW, with periodic validation,
 * checkpoints ({@code checkpoint.bin}), a metrics CSV ({@code metrics.csv}), a plot of the loss
 * curves ({@code loss.png}, redrawn at each evaluation) and, at the end, the model as GGUF
 * ({@code model.gguf}) in the output folder. The constructor does no I/O;
 * {@link #run()} does it all and returns what it measured. Library code: progress goes to the
 * {@link TrainListener}, nothing is printed.
 */
public final class Trainer {

    public static final String CHECKPOINT = "checkpoint.bin";
    public static final String METRICS = "metrics.csv";
    public static final String MODEL = "model.gguf";
    public static final String PLOT = "loss.png";
    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);
    static final float BETA1 = 0.9f;
    static final float BETA2 = 0.99f;
    static final float ADAM_EPS = 1e-8f;
    static final float AUX_LOSS_WEIGHT = 0.01f;

    private final TrainConfig config;
    private final TrainListener listener;
    private Corpus corpus;
    private LlamaModel model;
    private AdamW adam;
    private Rng rng;
    private ShardLoader loader;
    private ValidationSet validation;
    private long step;
    private long tokens;

    public Trainer(TrainConfig config, TrainListener listener) {
        this.config = config;
        this.listener = listener;
    }

    /** Trains to {@code config.steps()}. */
    public TrainStats run() throws IOException {
        return runUntil(config.steps());
    }

    /** Trains until {@code stopStep} (at most the configured steps), then checkpoints, exports and evaluates. */
    public TrainStats runUntil(long stopStep) throws IOException {
        Files.createDirectories(config.outDir());
        corpus = Corpus.load(config.data(), config.tokenizer());
        ModelConfig shape = modelConfig(corpus.tokenizer().vocabSize());
        try (Parallel par = new Parallel(config.threads())) {
            model = new LlamaModel(shape, config.batch(), par);
            adam = new AdamW(model.layout(), BETA1, BETA2, ADAM_EPS, config.weightDecay());
            rng = new Rng(config.seed());
            loader = new ShardLoader(corpus.train(), 0, 1, config.ctx(), config.seed());
            validation = new ValidationSet(corpus.validation(), config.ctx(), config.evalWindows(), config.seed());
            boolean resumed = config.resume() && Files.exists(checkpointFile());
            if (resumed) {
                restore(Checkpoint.read(checkpointFile()));
            } else {
                model.initialize(rng);
            }
            try (MetricsCsv metrics = new MetricsCsv(config.outDir().resolve(METRICS), resumed, step)) {
                return train(Math.min(stopStep, config.steps()), metrics);
            }
        }
    }

    private Path checkpointFile() {
        return config.outDir().resolve(CHECKPOINT);
    }

    private void restore(Checkpoint c) throws CheckpointException {
        if (!c.model().equals(model.config())) {
            throw new CheckpointException(checkpointFile(), 8, "model shape " + c.model()
                    + " differs from the configured " + model.config());
        }
        System.arraycopy(c.params(), 0, model.params(), 0, c.params().length);
        System.arraycopy(c.m(), 0, adam.firstMoment(), 0, c.m().length);
        System.arraycopy(c.v(), 0, adam.secondMoment(), 0, c.v().length);
        adam.setStep(c.step());
        rng.setState(c.rngState());
        loader.seek(c.position());
        step = c.step();
        tokens = c.tokens();
    }

    private TrainStats train(long stop, MetricsCsv metrics) throws IOException {
        int rows = config.batch() * config.ctx();
        int[] inputs = new int[rows];
        int[] targets = new int[rows];
        long firstStep = step;
        long stepNanos = 0;
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
            long done = step - firstStep;
            Duration eta = Duration.ofNanos(stepNanos / done * (config.steps() - step));
            TrainProgress p = new TrainProgress(step, config.steps(), loss, lr, norm,
                    rows * done / (stepNanos * 1e-9), eta);
            metrics.step(p);
            listener.onStep(p);
            if (step < stop) {
                periodic(metrics);
            }
        }
        save();
        GgufExport.write(model, corpus.tokenizer(), "flotilla " + config.data().getFileName(),
                config.outDir().resolve(MODEL));
        double val = evaluate(metrics);
        long done = step - firstStep;
        return new TrainStats(val, done == 0 ? 0 : rows * done / (stepNanos * 1e-9), step, tokens,
                done == 0 ? 0 : stepNanos * 1e-9 / done);
    }

    private void periodic(MetricsCsv metrics) throws IOException {
        if (config.evalEvery() > 0 && step % config.evalEvery() == 0) {
            evaluate(metrics);
        }
        if (config.checkpointEvery() > 0 && step % config.checkpointEvery() == 0) {
            metrics.flush();
            save();
        }
    }

    private void save() throws IOException {
        new Checkpoint(model.config(), step, tokens, rng.state(), loader.position(), model.params(),
                adam.firstMoment(), adam.secondMoment()).write(checkpointFile());
        listener.onCheckpoint(step, checkpointFile());
    }

    /** Mean cross-entropy over the validation windows, in batches of the training batch size. */
    private double evaluate(MetricsCsv metrics) throws IOException {
        int[] in = new int[config.batch() * config.ctx()];
        int[] out = new int[in.length];
        double sum = 0;
        for (int w = 0; w < validation.windows(); w += config.batch()) {
            int count = Math.min(config.batch(), validation.windows() - w);
            validation.batch(w, count, in, out);
            model.forward(in, out, count, config.ctx());
            sum += model.crossEntropy() * count;
        }
        double val = sum / validation.windows();
        metrics.eval(step, val);
        plot();
        listener.onEval(step, val);
        return val;
    }

    /** Redraws {@code loss.png} from the metrics CSV (flushed at each evaluation); a failure only costs the plot. */
    private void plot() {
        Path png = config.outDir().resolve(PLOT);
        try {
            LossPlot.write(LossHistory.read(config.outDir().resolve(METRICS)), png);
        } catch (IOException | RuntimeException | LinkageError | java.awt.AWTError e) {
            LOG.warn("could not draw {}: {}", png, e.toString());
        }
    }

    /** The model shape a run trains: Llama defaults (FFN ≈ 8/3·dim, RoPE base 10⁴, ε 10⁻⁵) for this vocabulary. */
    public ModelConfig modelConfig(int vocab) {
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
