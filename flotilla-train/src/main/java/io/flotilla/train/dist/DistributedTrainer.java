package io.flotilla.train.dist;

import io.flotilla.collective.Collective;
import io.flotilla.collective.CollectiveStats;
import io.flotilla.train.GgufExport;
import io.flotilla.train.TrainConfig;
import io.flotilla.train.TrainListener;
import io.flotilla.train.TrainProgress;
import io.flotilla.train.Trainer;
import io.flotilla.train.data.Corpus;
import io.flotilla.train.data.ShardLoader;
import io.flotilla.train.data.ValidationSet;
import io.flotilla.train.model.AdamW;
import io.flotilla.train.model.LlamaModel;
import io.flotilla.train.model.Rng;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * One worker of a distributed run. Every worker starts from the same seeded initialisation and
 * reads its own shard of the training split ({@code config.batch()} windows per step).
 * <ul>
 *   <li>DDP: forward/backward on the local batch, mean of the gradients over workers (one
 *       all-reduce per step), global-norm clip, the same AdamW step everywhere.</li>
 *   <li>DiLoCo: {@code H} local AdamW steps, then the mean pseudo-gradient
 *       {@code global − local} and an outer Nesterov step on the global parameters, which every
 *       worker then continues from. The inner AdamW state stays local (with
 *       {@link DistributedConfig#freshClients}: starts afresh in every round the worker trains).</li>
 * </ul>
 * After every DiLoCo round (and every {@value #DDP_HASH_EVERY} DDP steps and at the end) the
 * workers all-gather a SHA-256 of their parameters; a minority that differs (even by one ulp) is
 * repaired from the lowest-ranked worker of the majority, and without a majority the run stops
 * with {@link ParametersDivergedException}. Rank 0 evaluates and writes {@code model.gguf}.
 */
public final class DistributedTrainer {

    static final int DDP_HASH_EVERY = 100;
    /** DiLoCo/FedAvg: the global state after a round, written by rank 0, read by {@code --resume}. */
    public static final String CHECKPOINT = "distributed-checkpoint.bin";

    private final TrainConfig config;
    private final DistributedConfig dist;
    private final Corpus corpus;
    private Collective collective;
    private Regroup regroup;
    private CollectiveStats earlierBytes = new CollectiveStats(0, 0, 0);
    private final TrainListener listener;
    private LlamaModel model;
    private AdamW adam;
    private GradientExchange exchange;
    private long syncs;
    private long repairs;
    private FederatedAggregator federated;
    private long round;
    private OuterStep outer;
    private StepHook hook = (step, params) -> { };
    private int joinAs = -1;
    private int firstWorkers;

    /** Sees a worker's parameters after each step, before any hash check (fault injection in tests). */
    interface StepHook {
        void afterStep(long step, float[] params);

        /** After a state transfer to joiners, before they train: every worker's state hash by rank. */
        default void admitted(long step, boolean joiner, List<String> stateHashes) {}

        /** After a round's synchronisation and checkpoint, before joiners are admitted. */
        default void roundEnded(long step) {}
    }

    public DistributedTrainer(TrainConfig config, DistributedConfig dist, Corpus corpus, Collective collective,
                              TrainListener listener) {
        this.config = config;
        this.dist = dist;
        this.corpus = corpus;
        this.collective = collective;
        this.listener = listener;
    }

    /** Trains {@code config.steps()} steps on this worker; every worker of the group calls this at once. */
    public DistributedStats run() throws IOException {
        boolean joining = joinAs >= 0;
        if (joining) {
            collective = regroup.join();
        }
        int rank = joining ? joinAs : collective.rank();
        model = new LlamaModel(new Trainer(config, listener).modelConfig(corpus.tokenizer().vocabSize()), config.batch());
        adam = new AdamW(model.layout(), 0.9f, 0.99f, 1e-8f, config.weightDecay());
        model.initialize(new Rng(config.seed()));
        int n = model.params().length;
        exchange = new GradientExchange(collective, dist.compression(), n, dist.denseWarmup());
        outer = new OuterStep(dist.outerLr(), dist.outerMomentum());
        federated = dist.privateRounds() ? new FederatedAggregator(rank, dist) : null;
        ShardLoader loader = new ShardLoader(corpus.train(), rank, joining ? firstWorkers : collective.size(), config.ctx(),
                config.seed(), split(dist));
        float[] global = dist.mode() != DistributedConfig.Mode.DDP ? model.params().clone() : null;
        float[] momentum = global == null ? null : new float[n];
        int rows = config.batch() * config.ctx();
        int[] inputs = new int[rows];
        int[] targets = new int[rows];
        long stepNanos = 0;
        long first = joining ? receiveState(global, momentum, loader, inputs, targets)
                : resume(global, momentum, loader, inputs, targets);
        for (long step = first; step < config.steps(); step++) {
            long t0 = System.nanoTime();
            float lr = AdamW.learningRate(step, config.warmup(), config.steps(), config.lr(), config.minLr());
            double loss = Double.NaN;
            double norm = Double.NaN;
            if (global == null || sampled(step / dist.innerSteps())) {
                if (global != null && dist.freshClients() && step % dist.innerSteps() == 0) {
                    resetInnerState();
                }
                loader.next(inputs, targets, config.batch());
                model.zeroGrad();
                loss = model.forward(inputs, targets, config.batch(), config.ctx());
                model.backward();
                if (global == null) {
                    exchange.mean(model.grads());
                    syncs++;
                }
                norm = AdamW.clipGradients(model.grads(), config.clip());
                adam.update(model.params(), model.grads(), lr);
                if (global != null && dist.proxMu() > 0) {
                    proximal(global, lr);
                }
            }
            boolean last = step + 1 == config.steps();
            if (global != null && ((step + 1) % dist.innerSteps() == 0 || last)) {
                synchronize(global, momentum, step + 1);
                writeCheckpoint(global, momentum, step + 1, last);
                hook.roundEnded(step + 1);
                if (!last) {
                    admitJoiners(global, momentum, step + 1);
                }
            } else if (global == null && ((step + 1) % DDP_HASH_EVERY == 0 || last)) {
                checkHashes(step + 1);
            }
            stepNanos += System.nanoTime() - t0;
            Duration eta = Duration.ofNanos(stepNanos / (step + 1 - first) * (config.steps() - step - 1));
            listener.onStep(new TrainProgress(step + 1, config.steps(), loss, lr, norm,
                    rows * (step + 1 - first) / (stepNanos * 1e-9), eta));
        }
        CollectiveStats now = collective.stats();
        CollectiveStats bytes = new CollectiveStats(earlierBytes.operations() + now.operations(),
                earlierBytes.payloadBytes() + now.payloadBytes(), earlierBytes.wireBytes() + now.wireBytes());
        double val = Double.NaN;
        if (collective.rank() == 0) {
            val = evaluate();
            listener.onEval(config.steps(), val);
            Files.createDirectories(config.outDir());
            GgufExport.write(model, corpus.tokenizer(), "flotilla " + config.data().getFileName(),
                    config.outDir().resolve(Trainer.MODEL));
        }
        double tokensPerSecond = stepNanos == 0 ? 0 : (double) rows * (config.steps() - first) / (stepNanos * 1e-9);
        return new DistributedStats(collective.rank(), val, tokensPerSecond, config.steps(), syncs, bytes, hash(model.params()));
    }

    /**
     * Federated clients each own a contiguous part of the text (their own data: non-IID);
     * data-parallel and DiLoCo workers read an IID split of it.
     */
    static ShardLoader.Split split(DistributedConfig dist) {
        return dist.mode() == DistributedConfig.Mode.FEDAVG ? ShardLoader.Split.CONTIGUOUS
                : ShardLoader.Split.INTERLEAVED;
    }

    /**
     * One DiLoCo/FedAvg synchronisation. If a worker fails during it and a {@link Regroup} is set,
     * the survivors re-form the group and redo this synchronisation from the same local
     * parameters without the failed worker: no completed round is rolled back.
     */
    private void synchronize(float[] global, float[] momentum, long step) throws IOException {
        round = (step - 1) / dist.innerSteps();
        float[] local = model.params().clone();
        while (true) {
            float[] g = global.clone();
            float[] m = momentum.clone();
            try {
                System.arraycopy(local, 0, model.params(), 0, local.length);
                outerStep(g, m);
                hook.afterStep(step, model.params());
                checkHashes(step);
                System.arraycopy(model.params(), 0, global, 0, g.length); // the outer step's result, or its repair
                System.arraycopy(m, 0, momentum, 0, m.length);
                outer.commit();
                return;
            } catch (io.flotilla.collective.CollectiveException e) {
                if (regroup == null) {
                    throw e;
                }
                moveTo(regroup.regroup(e));
            }
        }
    }

    /** Continues on a new group; the bytes sent in the old one still count. */
    private void moveTo(Collective next) {
        CollectiveStats lost = collective.stats();
        earlierBytes = new CollectiveStats(earlierBytes.operations() + lost.operations(),
                earlierBytes.payloadBytes() + lost.payloadBytes(), earlierBytes.wireBytes() + lost.wireBytes());
        collective.close();
        collective = next;
        exchange.rebind(collective);
    }

    /**
     * At a round boundary of an elastic run that admits joiners: if any worker sees one waiting
     * (a 1-byte all-gather, so all decide alike), the group re-forms with the joiners and hands
     * them the state ({@link StateTransfer}); they verify it by hash before they train.
     */
    private void admitJoiners(float[] global, float[] momentum, long step) throws IOException {
        if (regroup == null || !regroup.admitsJoiners()) {
            return;
        }
        try {
            boolean pending = false;
            for (byte[] flag : collective.allGather(new byte[] {(byte) (regroup.joinPending() ? 1 : 0)})) {
                pending |= flag[0] != 0;
            }
            if (pending) {
                moveTo(regroup.admit());
                StateTransfer.Outcome o = StateTransfer.share(collective,
                        new StateTransfer.GlobalState(step, global, momentum), innerState(), false);
                hook.admitted(step, false, o.hashes());
            }
        } catch (io.flotilla.collective.CollectiveException e) {
            // a worker died after the round: the survivors re-form and go on with the next round
            // (a survivor whose exchange here still completed fails at that round's
            // synchronisation instead, and both meet in the same regroup)
            moveTo(regroup.regroup(e));
        }
    }

    /**
     * A joiner's start: the global state from a peer, verified by hash, and that peer's inner AdamW
     * moments and update count (verified by the peer's hash), so the joiner's first inner steps are
     * not those of a fresh AdamW; the data position follows from the steps done (its shard's loader
     * replays that many batches without training).
     */
    private long receiveState(float[] global, float[] momentum, ShardLoader loader, int[] inputs, int[] targets)
            throws IOException {
        StateTransfer.Outcome o = StateTransfer.share(collective, null, null, true);
        adopt(o.state(), global, momentum, loader, inputs, targets);
        StateTransfer.InnerState inner = o.inner();
        if (inner.firstMoment().length != global.length) {
            throw new IllegalStateException("inner state of " + inner.firstMoment().length + " moments, this model has "
                    + global.length + " parameters");
        }
        System.arraycopy(inner.firstMoment(), 0, adam.firstMoment(), 0, global.length);
        System.arraycopy(inner.secondMoment(), 0, adam.secondMoment(), 0, global.length);
        adam.setStep(inner.step());
        hook.admitted(o.state().step(), true, o.hashes());
        return o.state().step();
    }

    /**
     * A stateless client's round start ({@link DistributedConfig#freshClients}): AdamW's moments and
     * bias-correction count back to zero; the learning rate still follows the global step.
     */
    private void resetInnerState() {
        java.util.Arrays.fill(adam.firstMoment(), 0f);
        java.util.Arrays.fill(adam.secondMoment(), 0f);
        adam.setStep(0);
    }

    /** This worker's inner AdamW state (live buffers: encode before the next update). */
    StateTransfer.InnerState innerState() {
        return new StateTransfer.InnerState(adam.step(), adam.firstMoment(), adam.secondMoment());
    }

    /**
     * Continues from {@code state}: global and local parameters, momentum, and the loader replayed to its
     * step (FedAvg with sampled clients: only the batches of the rounds this worker was sampled in, as a
     * client reads no data in the rounds it sits out).
     */
    private void adopt(StateTransfer.GlobalState state, float[] global, float[] momentum, ShardLoader loader,
                       int[] inputs, int[] targets) {
        System.arraycopy(state.params(), 0, global, 0, global.length);
        System.arraycopy(state.momentum(), 0, momentum, 0, momentum.length);
        System.arraycopy(state.params(), 0, model.params(), 0, global.length);
        for (long s = 0; s < state.step(); s++) {
            if (sampled(s / dist.innerSteps())) {
                loader.next(inputs, targets, config.batch());
            }
        }
    }

    /**
     * {@code --resume} of a DiLoCo/FedAvg run: every worker reads the global state rank 0 wrote
     * after a round ({@value #CHECKPOINT}), replays its shard's loader to that step, and the
     * parameter hashes are compared at once. The inner AdamW state starts afresh (it never left its
     * worker), so a resumed run is close to, not bit-identical with, an uninterrupted one (with
     * {@link DistributedConfig#freshClients} every round starts afresh anyway, and it is identical).
     */
    private long resume(float[] global, float[] momentum, ShardLoader loader, int[] inputs, int[] targets)
            throws IOException {
        java.nio.file.Path file = config.outDir().resolve(CHECKPOINT);
        if (global == null || !config.resume() || !Files.exists(file)) {
            return 0;
        }
        StateTransfer.GlobalState state = StateTransfer.GlobalState.read(file);
        if (state.params().length != global.length) {
            throw new IOException(file + ": " + state.params().length + " parameters, this model has " + global.length);
        }
        adopt(state, global, momentum, loader, inputs, targets);
        checkHashes(state.step());
        return state.step();
    }

    /** Rank 0 writes the global state after a round, once per {@code checkpointEvery} steps and at the end. */
    private void writeCheckpoint(float[] global, float[] momentum, long step, boolean last) throws IOException {
        int every = config.checkpointEvery();
        if (collective.rank() == 0 && (last || (every > 0 && step % every < dist.innerSteps()))) {
            Files.createDirectories(config.outDir());
            new StateTransfer.GlobalState(step, global, momentum).write(config.outDir().resolve(CHECKPOINT));
        }
    }

    /** How survivors re-form their group after a worker failed (elastic runs), and how workers join one. */
    public interface Regroup {
        /** A new group of the live workers (every survivor calls this); throws if it cannot be formed. */
        Collective regroup(io.flotilla.collective.CollectiveException cause) throws IOException;

        /** Whether workers may join at round boundaries (then every worker checks each round). */
        default boolean admitsJoiners() {
            return false;
        }

        /** Whether a worker is waiting to join. */
        default boolean joinPending() {
            return false;
        }

        /** The group with the waiting joiners added (every member calls this at the same round boundary). */
        default Collective admit() throws IOException {
            throw new UnsupportedOperationException("this group admits no joiners");
        }

        /** A joiner's side of {@link #admit}. */
        default Collective join() throws IOException {
            throw new UnsupportedOperationException("this group admits no joiners");
        }
    }

    /**
     * Makes this trainer a worker that joins a running group as worker {@code id} of the first
     * {@code workers} (a restarted worker: it reads that worker's shard); needs a {@link Regroup}
     * that admits joiners.
     */
    DistributedTrainer joining(int id, int workers) {
        this.joinAs = id;
        this.firstWorkers = workers;
        return this;
    }

    /** Makes DiLoCo/FedAvg rounds survive failed workers. */
    public DistributedTrainer withRegroup(Regroup regroup) {
        this.regroup = regroup;
        return this;
    }

    /** Whether this worker trains in {@code round} (always, unless FedAvg samples clients). */
    private boolean sampled(long round) {
        int k = collective.size();
        int m = dist.clientsPerRound();
        return dist.mode() != DistributedConfig.Mode.FEDAVG || m == 0 || m >= k
                || sample(config.seed(), round, k, m)[collective.rank()];
    }

    /** The clients of a round: {@code m} of {@code k}, drawn with a seed every worker shares. */
    static boolean[] sample(long seed, long round, int k, int m) {
        int[] order = new int[k];
        for (int i = 0; i < k; i++) {
            order[i] = i;
        }
        new Rng(seed * 0x9E3779B97F4A7C15L + round + 1).shuffle(order);
        boolean[] chosen = new boolean[k];
        for (int i = 0; i < m; i++) {
            chosen[order[i]] = true;
        }
        return chosen;
    }

    /**
     * FedProx under AdamW: the step of {@code μ/2·|w − w_global|²} taken apart from AdamW, after
     * it, at the scheduled learning rate, as AdamW takes weight decay apart from the gradient. Added
     * to the gradient instead, AdamW would normalise it per coordinate and pull at the full learning
     * rate wherever the data gradient is small (measured: 1.05-1.14x FedAvg's loss, docs/training-federated.md).
     */
    private void proximal(float[] global, float lr) {
        float pull = lr * dist.proxMu();
        float[] p = model.params();
        for (int i = 0; i < p.length; i++) {
            p[i] -= pull * (p[i] - global[i]);
        }
    }

    /**
     * Mean pseudo-gradient {@code global − local} over the workers (FedAvg: over the sampled
     * ones; the others send zeros), outer Nesterov step on the global parameters, local ← global.
     */
    private void outerStep(float[] global, float[] momentum) throws IOException {
        float[] params = model.params();
        float[] delta = new float[params.length];
        for (int i = 0; i < delta.length; i++) {
            delta[i] = global[i] - params[i];
        }
        float[] own = delta.clone();
        if (federated != null) {
            if (!privateMean(delta)) {
                System.arraycopy(global, 0, params, 0, params.length); // aborted round: nothing applied
                return;
            }
        } else {
            exchange.mean(delta);
        }
        syncs++;
        int m = dist.clientsPerRound();
        if (federated == null && dist.mode() == DistributedConfig.Mode.FEDAVG && m > 0 && m < collective.size()) {
            float scale = (float) collective.size() / m;
            for (int i = 0; i < delta.length; i++) {
                delta[i] *= scale;
            }
        }
        float s = dist.outerSchedule() || dist.outerMomentumDecay() ? scheduleFactor(round) : 1f;
        OuterStepStats stats = outer.apply(round, global, momentum, own, delta, dist.outerSchedule() ? s : 1f,
                dist.outerMomentumDecay() ? s : 1f);
        if (collective.rank() == 0) {
            RoundListener.notify(listener, stats);
        }
        System.arraycopy(global, 0, params, 0, params.length);
    }

    /** The mean inner learning rate of {@code round}'s steps over the peak (the outer step's schedule and momentum factor). */
    private float scheduleFactor(long round) {
        long from = round * dist.innerSteps();
        long to = Math.min(from + dist.innerSteps(), config.steps());
        double sum = 0;
        for (long step = from; step < to; step++) {
            sum += AdamW.learningRate(step, config.warmup(), config.steps(), config.lr(), config.minLr());
        }
        return (float) (sum / (to - from) / config.lr());
    }

    /**
     * A private FedAvg round ({@link FederatedAggregator}): {@code delta} becomes the mean of the
     * clients that trained (those whose parameters moved). False when the round aborted.
     */
    private boolean privateMean(float[] delta) throws IOException {
        boolean trained = false;
        for (int i = 0; i < delta.length && !trained; i++) {
            trained = delta[i] != 0;
        }
        RoundStats stats;
        try {
            stats = federated.mean(collective, delta, round, trained);
        } catch (RoundAbortedException e) {
            stats = new RoundStats(round, 0, 0, true, federated.epsilon());
        }
        if (collective.rank() == 0) {
            RoundListener.notify(listener, stats);
        }
        return !stats.aborted();
    }

    private void checkHashes(long step) throws IOException {
        byte[][] all = collective.allGather(digest(model.params()));
        List<String> hex = new ArrayList<>();
        boolean same = true;
        for (byte[] h : all) {
            hex.add(HexFormat.of().formatHex(h));
            same &= java.util.Arrays.equals(h, all[0]);
        }
        if (same) {
            return;
        }
        int source = majority(hex);
        if (source < 0) {
            throw new ParametersDivergedException(step, hex);
        }
        // repair: every worker ends with the source's bits (a sum where only the source contributes)
        float[] params = model.params();
        if (collective.rank() != source) {
            java.util.Arrays.fill(params, 0f);
        }
        collective.allReduceSum(params);
        repairs++;
    }

    /** The lowest rank whose hash more than half of the workers share, or -1. */
    static int majority(List<String> hashes) {
        for (int r = 0; r < hashes.size(); r++) {
            int agree = 0;
            for (String h : hashes) {
                agree += h.equals(hashes.get(r)) ? 1 : 0;
            }
            if (2 * agree > hashes.size()) {
                return r;
            }
        }
        return -1;
    }

    /** Synchronisations after which a minority of workers was repaired from the majority. */
    public long repairs() {
        return repairs;
    }

    private double evaluate() {
        ValidationSet validation = new ValidationSet(corpus.validation(), config.ctx(), config.evalWindows(),
                config.seed());
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

    DistributedTrainer withHook(StepHook hook) {
        this.hook = hook;
        return this;
    }

    /** The group this worker is in now (a regroup replaces it). */
    Collective collective() {
        return collective;
    }

    /** The model this worker trained (for tests). */
    public LlamaModel model() {
        return model;
    }

    /** SHA-256 of the parameters' float32 bits, little-endian. */
    static byte[] digest(float[] params) {
        ByteBuffer b = ByteBuffer.allocate(4 * params.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(params);
        return StateTransfer.sha256(b.array());
    }

    static String hash(float[] params) {
        return HexFormat.of().formatHex(digest(params));
    }
}
