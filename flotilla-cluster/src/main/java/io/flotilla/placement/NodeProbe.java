package io.flotilla.placement;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Measures this node: usable memory, memory bandwidth, matmul speed. Each measurement runs on the
 * calling thread only and within a small time budget; the numbers are a best-of-few, not an average.
 */
public final class NodeProbe {
    /** Fraction of available memory the planner may fill; the rest stays for the OS and the JVM. */
    public static final double MEMORY_MARGIN = 0.9;
    private static volatile long sink;

    private NodeProbe() {
    }

    /** All three measurements with their default sizes (a 128 MiB read, about a quarter second in total). */
    public static NodeStats measure() {
        return new NodeStats(usableMemoryBytes(), memoryBytesPerSecond(128 << 20, 3), f32FlopsPerSecond(256, 1024, 20));
    }

    /**
     * Memory the node may use: Linux's MemAvailable (which counts reclaimable page cache) or, where
     * that is missing, the JVM's view of free physical memory (container-aware); times {@link #MEMORY_MARGIN}.
     */
    public static long usableMemoryBytes() {
        long available = memAvailable();
        if (available <= 0 && ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os) {
            available = os.getFreeMemorySize();
        }
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            available = Math.min(available, os.getTotalMemorySize()); // cgroup limit where there is one
        }
        return (long) (Math.max(0, available) * MEMORY_MARGIN);
    }

    private static long memAvailable() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/meminfo"));
            for (String line : lines) {
                if (line.startsWith("MemAvailable:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    /** Best of {@code passes} sequential reads over an array of {@code bytes} (after one warm-up pass). */
    public static double memoryBytesPerSecond(int bytes, int passes) {
        if (bytes < 1 << 20 || passes < 1) {
            throw new IllegalArgumentException("need >= 1 MiB and >= 1 pass, got " + bytes + " bytes, " + passes);
        }
        long[] data = new long[bytes / 8];
        for (int i = 0; i < data.length; i++) {
            data[i] = i;
        }
        sink += sum(data);
        long best = Long.MAX_VALUE;
        for (int p = 0; p < passes; p++) {
            long start = System.nanoTime();
            sink += sum(data);
            best = Math.min(best, System.nanoTime() - start);
        }
        return 8.0 * data.length / (best / 1e9);
    }

    private static long sum(long[] data) {
        long a = 0;
        long b = 0;
        long c = 0;
        long d = 0;
        int i = 0;
        for (; i + 3 < data.length; i += 4) {
            a += data[i];
            b += data[i + 1];
            c += data[i + 2];
            d += data[i + 3];
        }
        for (; i < data.length; i++) {
            a += data[i];
        }
        return a + b + c + d;
    }

    /** Best of {@code passes} matrix-vector products of a rows × cols float matrix (2 flops per weight). */
    public static double f32FlopsPerSecond(int rows, int cols, int passes) {
        float[] weights = new float[rows * cols];
        float[] x = new float[cols];
        float[] y = new float[rows];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = (i % 17) * 0.01f;
        }
        for (int i = 0; i < cols; i++) {
            x[i] = (i % 5) * 0.1f;
        }
        long best = Long.MAX_VALUE;
        for (int p = 0; p < passes; p++) {
            long start = System.nanoTime();
            matVec(weights, x, y, rows, cols);
            best = Math.min(best, System.nanoTime() - start);
            sink += Float.floatToRawIntBits(y[p % rows]);
        }
        return 2.0 * rows * cols / (best / 1e9);
    }

    private static void matVec(float[] weights, float[] x, float[] y, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            float acc = 0;
            int base = r * cols;
            for (int c = 0; c < cols; c++) {
                acc += weights[base + c] * x[c];
            }
            y[r] = acc;
        }
    }
}
