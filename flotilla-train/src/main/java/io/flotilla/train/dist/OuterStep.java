package io.flotilla.train.dist;

/**
 * The outer optimizer of DiLoCo and FedAvg rounds: SGD with Nesterov momentum on the mean
 * pseudo-gradient Δ = global − mean(local), as PyTorch's {@code SGD(nesterov=True)}:
 * {@code v ← μ·v + Δ; θ ← θ − lr·(Δ + μ·v)}. With {@code lr = 1, μ = 0} the global parameters become
 * the mean of the local ones (FedAvg). The velocity belongs to the global state (it travels with
 * state transfers and checkpoints); this class keeps only last round's Δ, for {@link OuterStepStats}.
 */
final class OuterStep {

    private final float lr;
    private final float mu;
    private float[] previous;
    private float[] pending;

    OuterStep(float lr, float mu) {
        this.lr = lr;
        this.mu = mu;
    }

    /** {@link #apply(long, float[], float[], float[], float[], float)} at a constant schedule factor 1. */
    OuterStepStats apply(long round, float[] global, float[] velocity, float[] own, float[] mean) {
        return apply(round, global, velocity, own, mean, 1f);
    }

    /** {@link #apply(long, float[], float[], float[], float[], float, float)} with the momentum μ unscaled. */
    OuterStepStats apply(long round, float[] global, float[] velocity, float[] own, float[] mean, float s) {
        return apply(round, global, velocity, own, mean, s, 1f);
    }

    /**
     * Moves {@code global} by one step on {@code mean} (Δ) and updates {@code velocity}; {@code own} is this
     * worker's pseudo-gradient before the mean. {@code s} is the round's inner learning-rate factor when the
     * outer step follows the schedule ({@link DistributedConfig#outerSchedule}), else 1; {@code muScale}
     * scales this round's momentum, μ_r = μ·muScale (the round's inner learning-rate factor when the
     * momentum decays with the schedule, {@link DistributedConfig#outerMomentumDecay}, else 1):
     * {@code v ← μ_r·v + Δ/s; θ ← θ − lr·s·(Δ/s + μ_r·v)}, as PyTorch applies a scheduled lr to SGD with
     * Nesterov momentum on the gradient Δ/s. With s = 1 and muScale = 1 this is the constant step, bit for
     * bit. Call {@link #commit} once the round has completed.
     */
    OuterStepStats apply(long round, float[] global, float[] velocity, float[] own, float[] mean, float s,
                         float muScale) {
        if (!(s > 0) || !(muScale >= 0) || mu * muScale >= 1) {
            throw new IllegalArgumentException("schedule factor " + s + " must be positive, momentum scale "
                    + muScale + " not negative and μ·scale = " + mu * muScale + " below 1");
        }
        float m = mu * muScale; // exactly μ when the scale is 1
        double change = 0;
        for (int i = 0; i < mean.length; i++) {
            float d = mean[i] / s;
            velocity[i] = m * velocity[i] + d;
            float step = lr * s * (d + m * velocity[i]);
            global[i] -= step;
            change += (double) step * step;
        }
        pending = mean.clone();
        return new OuterStepStats(round, norm(own), norm(mean), cosine(own, mean),
                previous == null ? Double.NaN : cosine(mean, previous), norm(velocity), Math.sqrt(change));
    }

    /** The round of the last {@link #apply} completed (a retried round applies again from the same start). */
    void commit() {
        previous = pending;
    }

    /** One Nesterov step of {@code global} on {@code delta}, in place (a round of a single worker). */
    static void nesterov(float[] global, float[] velocity, float[] delta, float lr, float mu) {
        new OuterStep(lr, mu).apply(0, global, velocity, delta, delta);
    }

    static double norm(float[] a) {
        double s = 0;
        for (float x : a) {
            s += (double) x * x;
        }
        return Math.sqrt(s);
    }

    /** Cosine of the angle between {@code a} and {@code b}; NaN if either is zero. */
    static double cosine(float[] a, float[] b) {
        double dot = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
        }
        double n = norm(a) * norm(b);
        return n == 0 ? Double.NaN : dot / n;
    }
}
