package io.flotilla.train.dist;

import java.time.Duration;
import java.util.Objects;

/**
 * How workers train together.
 *
 * @param mode          {@link Mode#DDP}: one all-reduce of gradients per step; {@link Mode#DILOCO}:
 *                      {@code innerSteps} local AdamW steps, then one all-reduce of the pseudo-gradient
 *                      and an outer Nesterov step
 * @param compression   how the all-reduced vector travels
 * @param innerSteps    DiLoCo's H (ignored for DDP)
 * @param outerLr       DiLoCo outer learning rate
 * @param outerMomentum DiLoCo outer Nesterov momentum
 * @param denseWarmup   steps (DDP) or rounds (DiLoCo) sent as dense fp32 before top-k starts
 * @param deadline      the longest one collective may wait for the slowest worker
 * @param clientsPerRound {@link Mode#FEDAVG}: clients sampled each round (seeded, the same on every
 *                      worker); the others sit the round out; 0 for all
 * @param proxMu        FedProx: the proximal term {@code μ/2·|w − w_global|²} of each local loss,
 *                      stepped apart from AdamW ({@code w -= lr·μ·(w − w_global)} after each
 *                      AdamW step); 0 for plain FedAvg/DiLoCo
 * @param secureAggregation {@link Mode#FEDAVG}: updates travel masked ({@link FederatedAggregator}), so
 *                      the workers learn only their sum
 * @param dpClip        {@link Mode#FEDAVG}: each client's update is clipped to this L2 norm (0: off)
 * @param dpNoise       {@link Mode#FEDAVG}: Gaussian noise multiplier z; the mean of m clients carries
 *                      noise of standard deviation z·dpClip/m (0: no noise)
 * @param outerSchedule the outer step follows the inner learning-rate schedule ({@link OuterStep}): the
 *                      velocity holds pseudo-gradients divided by the round's mean inner-lr factor
 *                      s = lr/peak, and the step is scaled by s, so old rounds' momentum anneals with the
 *                      schedule (false: the paper's constant outer step)
 * @param outerMomentumDecay the outer momentum decays with the inner learning-rate schedule: round r steps
 *                      with momentum μ·s_r, s_r = the round's mean inner lr over the peak (about 0.1·μ at
 *                      the cosine's floor), so the velocity forgets the early, large rounds by the annealed
 *                      end (false: μ in every round; the decay measured worse at 800 steps, IID and non-IID:
 *                      docs/training.md, "Session 8")
 * @param freshClients  {@link Mode#DILOCO}/{@link Mode#FEDAVG}: a worker (client) that trains in a round starts
 *                      it with a fresh inner AdamW (moments zero, bias-correction count zero), as stateless
 *                      FedAvg clients do; the inner learning rate still follows the global step (false: the
 *                      inner AdamW state persists on its worker across rounds, also across rounds it sits out)
 */
public record DistributedConfig(Mode mode, Compression compression, int innerSteps, float outerLr,
                                float outerMomentum, int denseWarmup, Duration deadline, int clientsPerRound,
                                float proxMu, boolean secureAggregation, float dpClip, float dpNoise,
                                boolean outerSchedule, boolean outerMomentumDecay, boolean freshClients) {

    /**
     * DDP: gradients averaged every step. DILOCO: pseudo-gradients every H steps, outer Nesterov.
     * FEDAVG: like DiLoCo over sampled clients, with the outer step "global ← mean of the sampled
     * local models" (outer lr 1, no momentum).
     */
    public enum Mode { DDP, DILOCO, FEDAVG }

    public DistributedConfig {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(compression, "compression");
        Objects.requireNonNull(deadline, "deadline");
        if (innerSteps <= 0 || denseWarmup < 0 || clientsPerRound < 0 || proxMu < 0) {
            throw new IllegalArgumentException("innerSteps " + innerSteps + " must be positive, denseWarmup "
                    + denseWarmup + ", clientsPerRound " + clientsPerRound + ", proxMu " + proxMu + " not negative");
        }
        if (dpClip < 0 || dpNoise < 0 || (dpNoise > 0 && dpClip == 0)) {
            throw new IllegalArgumentException("dpClip " + dpClip + " and dpNoise " + dpNoise
                    + " must not be negative, and noise needs a clip");
        }
        if (mode != Mode.FEDAVG && (secureAggregation || dpClip > 0)) {
            throw new IllegalArgumentException("secure aggregation and differential privacy need mode FEDAVG, got " + mode);
        }
        if (mode == Mode.DDP && freshClients) {
            throw new IllegalArgumentException("fresh clients need rounds (mode DILOCO or FEDAVG), got " + mode);
        }
    }

    /** Whether FedAvg rounds go through {@link FederatedAggregator} (masked and/or clipped and noised). */
    public boolean privateRounds() {
        return secureAggregation || dpClip > 0;
    }

    /** Data-parallel with the given compression; top-k starts after 100 dense steps. */
    public static DistributedConfig ddp(Compression compression) {
        return new DistributedConfig(Mode.DDP, compression, 1, 0.7f, 0.9f, 100, Duration.ofMinutes(5), 0, 0f, false, 0f, 0f, false, false, false);
    }

    /** The default outer step: lr 0.7 as in the DiLoCo paper, Nesterov momentum 0.7 (the paper: 0.9). */
    public static final float OUTER_LR = 0.7f;

    /**
     * The paper's 0.9 was tuned for H = 500 over thousands of outer steps; with H = 10–50 and 16–80
     * outer steps here, 0.9 carries early, large pseudo-gradients into the annealed end of the
     * run (docs/training.md, "The outer step"): 0.7 measured 1.062 × DDP instead of 1.125 (IID,
     * H = 10, 800 steps) and 1.000 × FedAvg instead of 1.041 (non-IID, 4 of 8 clients, H = 50).
     */
    public static final float OUTER_MOMENTUM = 0.7f;

    /** DiLoCo with H inner steps, outer lr {@value #OUTER_LR}, Nesterov momentum {@value #OUTER_MOMENTUM}; top-k after one dense round. */
    public static DistributedConfig diloco(int innerSteps, Compression compression) {
        return new DistributedConfig(Mode.DILOCO, compression, innerSteps, OUTER_LR, OUTER_MOMENTUM, 1, Duration.ofMinutes(5), 0, 0f, false, 0f, 0f, false, false, false);
    }

    /** FedAvg (FedProx when {@code proxMu > 0}): {@code localSteps} per round, {@code clientsPerRound} sampled (0: all). */
    public static DistributedConfig fedAvg(int localSteps, int clientsPerRound, float proxMu) {
        return new DistributedConfig(Mode.FEDAVG, Compression.NONE, localSteps, 1f, 0f, 1, Duration.ofMinutes(5),
                clientsPerRound, proxMu, false, 0f, 0f, false, false, false);
    }

    /**
     * The same rounds with another outer step: e.g. FedAvg's non-IID, sampled rounds with DiLoCo's
     * Nesterov step ({@code withOuterStep(OUTER_LR, OUTER_MOMENTUM)}), or DiLoCo with plain averaging ({@code 1, 0}).
     */
    public DistributedConfig withOuterStep(float lr, float momentum) {
        if (!(lr > 0) || momentum < 0 || momentum >= 1) {
            throw new IllegalArgumentException("outer lr " + lr + " must be positive, momentum " + momentum
                    + " in [0, 1)");
        }
        return new DistributedConfig(mode, compression, innerSteps, lr, momentum, denseWarmup, deadline, clientsPerRound, proxMu,
                secureAggregation, dpClip, dpNoise, outerSchedule, outerMomentumDecay, freshClients);
    }

    /** The same rounds with the outer step following the inner learning-rate schedule, or not. */
    public DistributedConfig withOuterSchedule(boolean on) {
        return new DistributedConfig(mode, compression, innerSteps, outerLr, outerMomentum, denseWarmup, deadline,
                clientsPerRound, proxMu, secureAggregation, dpClip, dpNoise, on, outerMomentumDecay, freshClients);
    }

    /** The same rounds with the outer momentum decaying with the inner learning-rate schedule (μ·s_r), or not. */
    public DistributedConfig withOuterMomentumDecay(boolean on) {
        return new DistributedConfig(mode, compression, innerSteps, outerLr, outerMomentum, denseWarmup, deadline,
                clientsPerRound, proxMu, secureAggregation, dpClip, dpNoise, outerSchedule, on, freshClients);
    }

    /** The same rounds with every training client starting its round from a fresh inner AdamW, or not. */
    public DistributedConfig withFreshClients(boolean on) {
        return new DistributedConfig(mode, compression, innerSteps, outerLr, outerMomentum, denseWarmup, deadline,
                clientsPerRound, proxMu, secureAggregation, dpClip, dpNoise, outerSchedule, outerMomentumDecay, on);
    }

    public DistributedConfig withDeadline(Duration d) {
        return new DistributedConfig(mode, compression, innerSteps, outerLr, outerMomentum, denseWarmup, d, clientsPerRound,
                proxMu, secureAggregation, dpClip, dpNoise, outerSchedule, outerMomentumDecay, freshClients);
    }

    public DistributedConfig withDenseWarmup(int n) {
        return new DistributedConfig(mode, compression, innerSteps, outerLr, outerMomentum, n, deadline, clientsPerRound,
                proxMu, secureAggregation, dpClip, dpNoise, outerSchedule, outerMomentumDecay, freshClients);
    }

    /** FedAvg with masked uploads ({@code secure}) and/or per-client clipping to {@code clip} and noise multiplier {@code noise}. */
    public DistributedConfig withPrivacy(boolean secure, float clip, float noise) {
        return new DistributedConfig(mode, compression, innerSteps, outerLr, outerMomentum, denseWarmup, deadline,
                clientsPerRound, proxMu, secure, clip, noise, outerSchedule, outerMomentumDecay, freshClients);
    }
}
