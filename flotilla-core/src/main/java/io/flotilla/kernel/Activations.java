package io.flotilla.kernel;


/**
 * The input of one matrix product, {@code n} tokens of {@code cols} floats, in the two forms the
 * kernels read: the caller's floats (float weights) and, for quantized weights, 8-bit integers in
 * blocks of 32 with one scale each (ggml's Q8_0 activation scheme as its x86 code computes it:
 * {@code d = amax / 127} rounded to f16, {@code q = rint(x * 127 / amax)}), widened to shorts so that kernels can multiply them
 * with widened weights directly. Each block also keeps the sum of its integers, which turns the
 * offsets of Q4_0/Q5_0 (-8, -16) and the mins of Q4_1/Q5_1/Q4_K/Q5_K into one multiply per block.
 *
 * <p>For K-quant weights the integers follow ggml's Q8_K scheme instead, as llama.cpp's CPU backend
 * pairs them ({@code vec_dot_type} Q8_K): one float scale per 256 values, {@code iscale = -127 / max}
 * where {@code max} is the value of largest magnitude, {@code q = min(127, rint(iscale * x))},
 * {@code d = 1 / iscale}; the scale is copied to each of the eight 32-blocks, so the kernels read
 * both schemes alike.
 *
 * <p>Quantization happens once per {@link Compute#matMul} call, on the calling thread, into
 * buffers this object owns and only grows: no allocation per token or per call once warm.
 */
public final class Activations {
    public static final int BLOCK = 32;

    private float[] x;
    private int n;
    private int cols;
    public static final int SUPER_BLOCK = 256;

    private boolean quantized;
    private boolean superBlocks;
    short[] q = new short[0];
    float[] d = new float[0];
    float[] sum = new float[0];

    /**
     * The tile layout that {@link Tiles} reads, made by {@link #tile()}: tokens in groups of
     * {@link Tiles#TOKENS} (the group at token {@code g}), block-major within a group so that one
     * block of all the group's tokens is contiguous: the quants of block {@code b} of token
     * {@code g + t} as floats (small integers, exact) at {@code qt[(g*bpt + b*TOKENS + t)*32 ..]}, its
     * scale and sum at {@code dt[g*bpt + b*TOKENS + t]} and {@code st[...]}; the lanes of tokens past
     * {@code n} in the last group are zero.
     */
    float[] qt = new float[0];
    float[] dt = new float[0];
    float[] st = new float[0];
    private boolean tiled;

    /**
     * The order the packed kernels read ({@link PackedKernel}), made by {@link #interleave()}: per token
     * and pair of blocks {@code (2i, 2i+1)}, 64 shorts from {@code qi[t*cols + 64*i]}: lane
     * {@code 2j+k} of the first 32 holds quant {@code j} of block {@code 2i+k}, the same lane of the
     * second 32 its quant {@code j+16}.
     */
    short[] qi = new short[0];
    private boolean interleaved;

    /** Points at {@code x} (n × cols) without quantizing yet. */
    void reset(float[] x, int n, int cols) {
        if ((long) n * cols > x.length) {
            throw new IllegalArgumentException("x has " + x.length + " floats, need n*cols = " + n + "*" + cols);
        }
        this.x = x;
        this.n = n;
        this.cols = cols;
        this.quantized = false;
        this.tiled = false;
        this.interleaved = false;
    }

    float[] x() {
        return x;
    }

    int n() {
        return n;
    }

    int cols() {
        return cols;
    }

    /**
     * Quantizes all tokens: Q8_K (256-value blocks) when {@code superBlocks}, for K-quant weights,
     * else Q8_0. Idempotent until the next {@link #reset} for the same scheme.
     */
    void quantize(boolean superBlocks) {
        if (quantized && this.superBlocks == superBlocks) {
            return;
        }
        int block = superBlocks ? SUPER_BLOCK : BLOCK;
        if (cols % block != 0) {
            throw new IllegalArgumentException("quantized kernels need cols % " + block + " == 0, got " + cols);
        }
        int total = n * cols;
        if (q.length < total) {
            q = new short[total];
            d = new float[total / BLOCK];
            sum = new float[total / BLOCK];
        }
        if (superBlocks) {
            for (int b = 0; b < total / SUPER_BLOCK; b++) {
                quantizeSuperBlock(b);
            }
        } else {
            for (int b = 0; b < total / BLOCK; b++) {
                quantizeBlock(b);
            }
        }
        quantized = true;
        tiled = false;
        interleaved = false;
        this.superBlocks = superBlocks;
    }

    /** Copies the quantized tokens into the tile layout ({@link #qt}); after {@link #quantize}. */
    void tile() {
        if (tiled) {
            return;
        }
        if (!quantized) {
            throw new IllegalStateException("tile() needs quantize() first");
        }
        int bpt = cols / BLOCK;
        int slots = (n + Tiles.TOKENS - 1) / Tiles.TOKENS * Tiles.TOKENS * bpt;
        if (dt.length < slots) {
            qt = new float[slots * BLOCK];
            dt = new float[slots];
            st = new float[slots];
        }
        java.util.Arrays.fill(qt, 0, slots * BLOCK, 0f);
        java.util.Arrays.fill(dt, 0, slots, 0f);
        java.util.Arrays.fill(st, 0, slots, 0f);
        for (int t = 0; t < n; t++) {
            int g = t - t % Tiles.TOKENS;
            for (int b = 0; b < bpt; b++) {
                int slot = g * bpt + b * Tiles.TOKENS + t - g;
                int src = t * bpt + b;
                for (int j = 0; j < BLOCK; j++) {
                    qt[slot * BLOCK + j] = q[src * BLOCK + j];
                }
                dt[slot] = d[src];
                st[slot] = sum[src];
            }
        }
        tiled = true;
    }

    /** Copies the quantized tokens into the packed kernels' order ({@link #qi}); after {@link #quantize}. */
    void interleave() {
        if (interleaved) {
            return;
        }
        if (!quantized || cols % (2 * BLOCK) != 0) {
            throw new IllegalStateException("interleave() needs quantize() first and cols % 64 == 0, got cols " + cols);
        }
        int total = n * cols;
        if (qi.length < total) {
            qi = new short[total];
        }
        for (int o = 0; o < total; o += 2 * BLOCK) {
            for (int k = 0; k < 2; k++) {
                for (int j = 0; j < BLOCK / 2; j++) {
                    qi[o + 2 * j + k] = q[o + BLOCK * k + j];
                    qi[o + BLOCK + 2 * j + k] = q[o + BLOCK * k + 16 + j];
                }
            }
        }
        interleaved = true;
    }

    /** ggml's quantize_row_q8_K_ref on one block of 256, written as eight blocks of 32. */
    private void quantizeSuperBlock(int b) {
        int o = b * SUPER_BLOCK;
        float max = 0f;
        float amax = 0f;
        for (int j = 0; j < SUPER_BLOCK; j++) {
            float ax = Math.abs(x[o + j]);
            if (ax > amax) {
                amax = ax;
                max = x[o + j];
            }
        }
        float iscale = amax == 0f ? 0f : -127f / max;
        float scale = amax == 0f ? 0f : 1f / iscale;
        for (int sub = 0; sub < SUPER_BLOCK / BLOCK; sub++) {
            int so = o + sub * BLOCK;
            int s = 0;
            for (int j = 0; j < BLOCK; j++) {
                int r = Math.min(127, (int) Math.rint(iscale * x[so + j]));
                q[so + j] = (short) r;
                s += r;
            }
            d[so / BLOCK] = scale;
            sum[so / BLOCK] = s;
        }
    }

    private void quantizeBlock(int b) {
        int o = b * BLOCK;
        float amax = 0f;
        for (int j = 0; j < BLOCK; j++) {
            amax = Math.max(amax, Math.abs(x[o + j]));
        }
        float scale = amax / 127;
        float id = amax != 0 ? 127f / amax : 0.0f; // as ggml's x86 quantize_row_q8_0 (not 1 / scale)
        int s = 0;
        for (int j = 0; j < BLOCK; j++) {
            int r = (int) Math.rint(x[o + j] * id); // _mm256_round_ps: to nearest, ties to even
            q[o + j] = (short) r;
            s += r;
        }
        d[b] = Float.float16ToFloat(Float.floatToFloat16(scale));
        sum[b] = s;
    }
}
