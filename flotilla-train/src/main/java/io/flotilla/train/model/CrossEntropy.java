package io.flotilla.train.model;

/** Softmax cross-entropy over rows of logits, averaged over rows. */
public final class CrossEntropy {

    private CrossEntropy() {}

    /** Turns {@code logits[rows][vocab]} into probabilities in place; returns the mean loss (summed in double). */
    public static double forward(float[] logits, int[] targets, int rows, int vocab) {
        double loss = 0;
        for (int r = 0; r < rows; r++) {
            int o = r * vocab;
            float max = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < vocab; i++) {
                max = Math.max(max, logits[o + i]);
            }
            float sum = 0f;
            for (int i = 0; i < vocab; i++) {
                float e = (float) Math.exp(logits[o + i] - max);
                logits[o + i] = e;
                sum += e;
            }
            float norm = 1f / sum;
            for (int i = 0; i < vocab; i++) {
                logits[o + i] *= norm;
            }
            loss -= Math.log(Math.max(logits[o + targets[r]], 1e-30f));
        }
        return loss / rows;
    }

    /** Turns the probabilities left by {@link #forward} into {@code d(mean loss)/d logits} in place. */
    public static void backward(float[] probs, int[] targets, int rows, int vocab) {
        float scale = 1f / rows;
        for (int r = 0; r < rows; r++) {
            int o = r * vocab;
            probs[o + targets[r]] -= 1f;
            for (int i = 0; i < vocab; i++) {
                probs[o + i] *= scale;
            }
        }
    }
}
