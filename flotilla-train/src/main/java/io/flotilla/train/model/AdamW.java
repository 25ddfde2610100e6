package io.flotilla.train.model;

/**
 * AdamW with decoupled weight decay applied only to the tensors a {@link ParameterLayout} marks
 * (matrices and embeddings, not norm gains). Moments live in two buffers of the parameter layout.
 */
public final class AdamW {

    private final float beta1;
    private final float beta2;
    private final float eps;
    private final float weightDecay;
    private final boolean[] decay;
    private final int[] slotStart;
    private final float[] m;
    private final float[] v;
    private long step;

    public AdamW(ParameterLayout layout, float beta1, float beta2, float eps, float weightDecay) {
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.m = new float[layout.size()];
        this.v = new float[layout.size()];
        int n = layout.slots().size();
        this.decay = new boolean[n];
        this.slotStart = new int[n + 1];
        for (int i = 0; i < n; i++) {
            ParameterLayout.Slot s = layout.slots().get(i);
            decay[i] = s.decay();
            slotStart[i] = s.offset();
        }
        slotStart[n] = layout.size();
    }

    /** One update of {@code params} from {@code grads} at learning rate {@code lr}. */
    public void update(float[] params, float[] grads, float lr) {
        step++;
        float c1 = (float) (1.0 / (1.0 - Math.pow(beta1, step)));
        float c2 = (float) (1.0 / (1.0 - Math.pow(beta2, step)));
        for (int s = 0; s < decay.length; s++) {
            float wd = decay[s] ? weightDecay : 0f;
            for (int i = slotStart[s]; i < slotStart[s + 1]; i++) {
                float g = grads[i];
                float mi = beta1 * m[i] + (1f - beta1) * g;
                float vi = beta2 * v[i] + (1f - beta2) * g * g;
                m[i] = mi;
                v[i] = vi;
                float update = mi * c1 / ((float) Math.sqrt(vi * c2) + eps);
                params[i] -= lr * (update + wd * params[i]);
            }
        }
    }

    /** First moments (live, for checkpoints). */
    public float[] firstMoment() {
        return m;
    }

    /** Second moments (live, for checkpoints). */
    public float[] secondMoment() {
        return v;
    }

    /** Updates taken so far (for bias correction). */
    public long step() {
        return step;
    }

    public void setStep(long step) {
        this.step = step;
    }

    /** Scales {@code grads} so their global L2 norm is at most {@code maxNorm}; returns the norm before. */
    public static double clipGradients(float[] grads, double maxNorm) {
        double sum = 0;
        for (float g : grads) {
            sum += (double) g * g;
        }
        double norm = Math.sqrt(sum);
        if (maxNorm > 0 && norm > maxNorm) {
            float scale = (float) (maxNorm / norm);
            for (int i = 0; i < grads.length; i++) {
                grads[i] *= scale;
            }
        }
        return norm;
    }

    /** Linear warm-up to {@code peak} over {@code warmup} steps, then cosine decay to {@code min} at {@code total}. */
    public static float learningRate(long step, long warmup, long total, float peak, float min) {
        if (step < warmup) {
            return peak * (step + 1) / warmup;
        }
        if (step >= total) {
            return min;
        }
        double progress = (double) (step - warmup) / Math.max(1, total - warmup);
        return (float) (min + 0.5 * (peak - min) * (1 + Math.cos(Math.PI * progress)));
    }
}
