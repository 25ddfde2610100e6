package io.flotilla.train.dist;

import java.util.Locale;

/**
 * How gradients (or DiLoCo pseudo-gradients) travel, as named on the command line:
 * {@code none} (fp32), {@code bf16}, {@code int8[:BLOCK]} (blockwise int8, default blocks of 256),
 * {@code topk:DENSITY} (largest entries, values and int32 indices). Every lossy kind keeps an
 * error-feedback residual, so what one step does not carry is sent later.
 *
 * @param kind    the method
 * @param block   int8 block size (0 otherwise)
 * @param density top-k density (0 otherwise)
 */
public record Compression(Kind kind, int block, double density) {

    public enum Kind { NONE, BF16, INT8, TOPK }

    public static final int DEFAULT_INT8_BLOCK = 256;
    public static final Compression NONE = new Compression(Kind.NONE, 0, 0);

    public Compression {
        if (kind == Kind.INT8 && block <= 0) {
            throw new IllegalArgumentException("int8 block size must be positive, got " + block);
        }
        if (kind == Kind.TOPK && !(density > 0 && density <= 1)) {
            throw new IllegalArgumentException("top-k density must be in (0, 1], got " + density);
        }
    }

    /** Parses {@code none}, {@code bf16}, {@code int8}, {@code int8:B} or {@code topk:D} (D a fraction, e.g. 0.01). */
    public static Compression parse(String spec) {
        String s = spec.trim().toLowerCase(Locale.ROOT);
        try {
            if (s.equals("none") || s.equals("fp32")) {
                return NONE;
            }
            if (s.equals("bf16")) {
                return new Compression(Kind.BF16, 0, 0);
            }
            if (s.equals("int8")) {
                return new Compression(Kind.INT8, DEFAULT_INT8_BLOCK, 0);
            }
            if (s.startsWith("int8:")) {
                return new Compression(Kind.INT8, Integer.parseInt(s.substring(5)), 0);
            }
            if (s.startsWith("topk:")) {
                return new Compression(Kind.TOPK, 0, Double.parseDouble(s.substring(5)));
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad number in compression '" + spec + "'", e);
        }
        throw new IllegalArgumentException("unknown compression '" + spec
                + "': expected none, bf16, int8, int8:BLOCK or topk:DENSITY");
    }

    /** The compressor of a lossy kind. */
    GradientCompressor compressor() {
        return switch (kind) {
            case NONE -> throw new IllegalStateException("fp32 needs no compressor");
            case BF16 -> new Bf16Compressor();
            case INT8 -> new Int8BlockCompressor(block);
            case TOPK -> new TopKCompressor(density);
        };
    }

    @Override
    public String toString() {
        return switch (kind) {
            case NONE -> "none";
            case BF16 -> "bf16";
            case INT8 -> block == DEFAULT_INT8_BLOCK ? "int8" : "int8:" + block;
            case TOPK -> "topk:" + density;
        };
    }
}
