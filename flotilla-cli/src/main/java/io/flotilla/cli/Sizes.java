package io.flotilla.cli;

/** Human-readable sizes for the terminal. */
final class Sizes {
    private Sizes() {}

    static String bytes(long b) {
        if (b < 1024) {
            return b + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = b;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format("%.2f %s", v, units[u]);
    }

    static String count(long n) {
        if (n >= 1_000_000_000L) {
            return String.format("%.2fB", n / 1e9);
        }
        if (n >= 1_000_000L) {
            return String.format("%.2fM", n / 1e6);
        }
        return n >= 1000 ? String.format("%.1fK", n / 1e3) : Long.toString(n);
    }

    /** {@code v} rounded to two decimals, for JSON output. */
    static double round2(double v) {
        return Math.round(v * 100) / 100.0;
    }

    /** {@code v} rounded to three decimals, for JSON output (ratios). */
    static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
