package io.flotilla.train.dist;

import io.flotilla.train.model.Rng;

/**
 * Differential privacy for federated rounds (the Gaussian mechanism of DP-FedAvg): every client
 * update is clipped to L2 norm {@code clip}, the server adds Gaussian noise of standard deviation
 * {@code noiseMultiplier · clip} to the sum, so the mean over {@code m} clients carries noise of
 * {@code z·C/m}. The privacy spent is tracked with Rényi DP: each round costs
 * {@code α / (2z²)} at order α (the Gaussian mechanism of sensitivity C, no amplification by
 * sampling counted, so the bound is conservative), and after T rounds
 * {@code ε = min_α T·α/(2z²) + ln(1/δ)/(α − 1)}.
 */
public final class DifferentialPrivacy {

    private final double clip;
    private final double noiseMultiplier;
    private final double delta;
    private long rounds;

    public DifferentialPrivacy(double clip, double noiseMultiplier, double delta) {
        if (!(clip > 0) || !(noiseMultiplier > 0) || !(delta > 0 && delta < 1)) {
            throw new IllegalArgumentException("clip " + clip + " and noise multiplier " + noiseMultiplier
                    + " must be positive, delta " + delta + " in (0, 1)");
        }
        this.clip = clip;
        this.noiseMultiplier = noiseMultiplier;
        this.delta = delta;
    }

    /** Scales {@code update} so its L2 norm is at most the clip; returns the norm before. */
    public double clip(float[] update) {
        return clip(update, clip);
    }

    /** Scales {@code update} so its L2 norm is at most {@code clip}; returns the norm before. */
    public static double clip(float[] update, double clip) {
        double sum = 0;
        for (float v : update) {
            sum += (double) v * v;
        }
        double norm = Math.sqrt(sum);
        if (norm > clip) {
            float s = (float) (clip / norm);
            for (int i = 0; i < update.length; i++) {
                update[i] *= s;
            }
        }
        return norm;
    }

    /** Adds N(0, (z·C)²) to every element of a sum of clipped updates and counts one round. */
    public void noise(float[] sum, Rng rng) {
        double sigma = noiseMultiplier * clip;
        for (int i = 0; i < sum.length; i++) {
            sum[i] += (float) (rng.nextGaussian() * sigma);
        }
        rounds++;
    }

    /**
     * Distributed noise: adds this client's share N(0, (z·C)²/m) to its clipped update, so the
     * sum of {@code clients} shares carries N(0, (z·C)²) (and the mean z·C/m) without any one
     * party knowing the total noise. Count the round with {@link #spend()} once it is released.
     */
    public void noiseShare(float[] update, int clients, Rng rng) {
        if (clients <= 0) {
            throw new IllegalArgumentException("clients " + clients + " must be positive");
        }
        double sigma = noiseMultiplier * clip / Math.sqrt(clients);
        for (int i = 0; i < update.length; i++) {
            update[i] += (float) (rng.nextGaussian() * sigma);
        }
    }

    /** Counts one released round (noised by {@link #noiseShare}). */
    public void spend() {
        rounds++;
    }

    public double clipNorm() {
        return clip;
    }

    public double noiseMultiplier() {
        return noiseMultiplier;
    }

    /** Rounds noised so far. */
    public long rounds() {
        return rounds;
    }

    /** ε spent so far at this δ (RDP accountant, orders 1.25 … 256). */
    public double epsilon() {
        return epsilon(rounds, noiseMultiplier, delta);
    }

    static double epsilon(long rounds, double z, double delta) {
        if (rounds == 0) {
            return 0;
        }
        double best = Double.POSITIVE_INFINITY;
        for (double alpha = 1.25; alpha <= 256; alpha *= 1.05) {
            best = Math.min(best, rounds * alpha / (2 * z * z) + Math.log(1 / delta) / (alpha - 1));
        }
        return best;
    }
}
