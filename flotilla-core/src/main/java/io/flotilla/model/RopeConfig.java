package io.flotilla.model;

import io.flotilla.gguf.GgufMetadata;
import java.util.Locale;

/**
 * Rotary position embedding settings, as llama.cpp reads them from {@code {arch}.rope.*}.
 *
 * @param type          pairing of dimensions (NORMAL: adjacent, NEOX: halves)
 * @param dims          rotated dimensions per head ({@code rope.dimension_count}, at most the head size)
 * @param base          {@code rope.freq_base}
 * @param scaling       {@code rope.scaling.type}
 * @param freqScale     1 / {@code rope.scaling.factor} for linear and YaRN, else 1
 * @param originalContext {@code rope.scaling.original_context_length} (YaRN, Llama 3), else the training context
 * @param attnFactor    {@code rope.scaling.attn_factor} (YaRN magnitude), 1 by default
 * @param llama3        Llama 3 scaling factors from metadata, or null (a {@code rope_freqs} tensor takes precedence)
 */
public record RopeConfig(Architecture.RopeType type, int dims, float base, Scaling scaling, float freqScale,
                         int originalContext, float attnFactor, Llama3Scaling llama3) {

    public enum Scaling { NONE, LINEAR, YARN, LLAMA3 }

    /** YaRN's correction range, fixed in llama.cpp's context defaults. */
    public static final float YARN_BETA_FAST = 32f;
    public static final float YARN_BETA_SLOW = 1f;

    /** Llama 3.1 frequency scaling ({@code rope_scaling.rope_type = llama3} in the HF config). */
    public record Llama3Scaling(float factor, float lowFreqFactor, float highFreqFactor, int originalContext) {}

    static RopeConfig fromGguf(GgufMetadata m, Architecture arch, int headDim, int contextLength) {
        String p = arch.ggufName() + ".rope.";
        int dims = m.getInt(p + "dimension_count", headDim);
        if (dims > headDim || dims % 2 != 0) {
            throw new IllegalArgumentException(p + "dimension_count is " + dims + ", expected an even number <= head size "
                    + headDim);
        }
        float base = m.getFloat(p + "freq_base", 10000f);
        Scaling scaling = scaling(m.getString(p + "scaling.type", "linear"), p);
        float factor = m.getFloat(p + "scaling.factor", m.getFloat(p + "scale_linear", 0f));
        float freqScale = factor == 0f || scaling == Scaling.NONE || scaling == Scaling.LLAMA3 ? 1f : 1f / factor;
        int original = m.getInt(p + "scaling.original_context_length", contextLength);
        float attnFactor = m.getFloat(p + "scaling.attn_factor", 1f);
        Llama3Scaling llama3 = scaling != Scaling.LLAMA3 ? null : new Llama3Scaling(factor == 0f ? 8f : factor,
                m.getFloat(p + "scaling.low_freq_factor", 1f), m.getFloat(p + "scaling.high_freq_factor", 4f),
                m.getInt(p + "scaling.original_context_length", 8192));
        return new RopeConfig(arch.ropeType(), dims, base, scaling, freqScale, original, attnFactor, llama3);
    }

    private static Scaling scaling(String name, String prefix) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "none" -> Scaling.NONE;
            case "linear", "" -> Scaling.LINEAR;
            case "yarn" -> Scaling.YARN;
            case "llama3" -> Scaling.LLAMA3;
            default -> throw new UnsupportedOperationException(prefix + "scaling.type '" + name
                    + "' is not supported (supported: none, linear, yarn, llama3)");
        };
    }

    /**
     * Llama 3 per-frequency divisors ({@code rope_freqs} as llama.cpp's converter writes them): 1 for
     * high frequencies, {@code factor} for low ones, a smooth blend between.
     */
    public float[] llama3Factors() {
        float[] ff = new float[dims / 2];
        double lowWavelen = llama3.originalContext() / (double) llama3.lowFreqFactor();
        double highWavelen = llama3.originalContext() / (double) llama3.highFreqFactor();
        for (int i = 0; i < ff.length; i++) {
            double freq = 1.0 / Math.pow(base, 2.0 * i / dims);
            double wavelen = 2 * Math.PI / freq;
            if (wavelen < highWavelen) {
                ff[i] = 1f;
            } else if (wavelen > lowWavelen) {
                ff[i] = llama3.factor();
            } else {
                double smooth = (llama3.originalContext() / wavelen - llama3.lowFreqFactor())
                        / (llama3.highFreqFactor() - llama3.lowFreqFactor());
                ff[i] = (float) (1.0 / ((1 - smooth) / llama3.factor() + smooth));
            }
        }
        return ff;
    }
}
