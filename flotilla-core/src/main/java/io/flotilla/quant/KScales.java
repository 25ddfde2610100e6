package io.flotilla.quant;

/**
 * The 12-byte scale field of Q4_K and Q5_K super-blocks: eight 6-bit scales and eight 6-bit mins,
 * one pair per sub-block of 32 weights. Pairs 0-3 sit in the low six bits of bytes 0-3 (scales) and
 * 4-7 (mins); pairs 4-7 keep their low four bits in the nibbles of bytes 8-11 and their top two
 * bits in the top two bits of bytes 0-3 (scales) and 4-7 (mins).
 */
public final class KScales {
    public static final int BYTES = 12;

    private KScales() {
    }

    /** 6-bit scale of sub-block {@code j} (0..7) of the field at {@code s[off ..]}. */
    public static int scale(byte[] s, int off, int j) {
        if (j < 4) {
            return s[off + j] & 63;
        }
        return (s[off + j + 4] & 0xF) | ((s[off + j - 4] & 0xFF) >>> 6) << 4;
    }

    /** 6-bit min of sub-block {@code j} (0..7). */
    public static int min(byte[] s, int off, int j) {
        if (j < 4) {
            return s[off + j + 4] & 63;
        }
        return ((s[off + j + 4] & 0xFF) >>> 4) | ((s[off + j] & 0xFF) >>> 6) << 4;
    }

    /** Writes scale {@code ls} and min {@code lm} (each 0..63) of sub-block {@code j}; the field must start zeroed. */
    public static void put(byte[] s, int off, int j, int ls, int lm) {
        if (j < 4) {
            s[off + j] = (byte) ls;
            s[off + j + 4] = (byte) lm;
        } else {
            s[off + j + 4] = (byte) ((ls & 0xF) | (lm & 0xF) << 4);
            s[off + j - 4] |= (byte) ((ls >>> 4) << 6);
            s[off + j] |= (byte) ((lm >>> 4) << 6);
        }
    }

    /** Unpacks all eight scales into {@code sc} and mins into {@code mn}. */
    public static void unpack(byte[] s, int off, int[] sc, int[] mn) {
        for (int j = 0; j < 8; j++) {
            sc[j] = scale(s, off, j);
            mn[j] = min(s, off, j);
        }
    }
}
