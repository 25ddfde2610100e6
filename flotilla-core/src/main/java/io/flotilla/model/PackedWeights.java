package io.flotilla.model;

import io.flotilla.gguf.GgmlType;
import io.flotilla.kernel.Compute;
import io.flotilla.tensor.PackedMatrix;
import io.flotilla.tensor.WeightMatrix;
import java.lang.foreign.MemorySegment;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * Load-time repacking of the weight matrices that have a faster one-token kernel in
 * {@link PackedMatrix}'s order (Q4_0, Q8_0 on CPUs with 16 float lanes: {@link Compute#packs}).
 * Where the native kernels serve a type ({@link io.flotilla.kernel.NativeKernels}, the default
 * where the build had a C compiler) nothing is packed: they read the file's layout in place, so
 * start-up only maps the file. The packing below serves {@code -Dflotilla.native=false}.
 * The packed copy lives in anonymous memory of the same size as the tensor ({@link PackedMemory}:
 * huge pages where the system gives them), in stripes of {@link #stripe} rows; the tensor's pages of
 * the file mapping are dropped from this process's resident memory right after
 * ({@link MemorySegment#unload}: they stay in the page cache, and are never touched again), so
 * resident memory stays at about the file size. {@code -Dflotilla.pack=false} keeps every matrix
 * in the file mapping (to compare; results are the same bit for bit); {@code -Dflotilla.pack=Q4_0,Q8_0}
 * names the types to pack. Default: Q4_0 only. Packing reads and rewrites every packed tensor at
 * load: on a quiet machine the 1B shape's Q4_0 start-up to first token went 1.29 -> 2.11 s (within
 * the 3-second target) for 1.18x faster decode; under load (4-5 on 2 cores) it took 4-6 s.
 * Packed Q8_0 decodes 1.02-1.3x faster but prefills at about 0.67x (its {@code dot4} reads each
 * row once per token, where the GGUF kernel widens each block once for four tokens), so it is not
 * packed unless asked for.
 */
public final class PackedWeights {
    /** The types packed ({@code -Dflotilla.pack}); tests and benchmarks in this package may switch it per load. */
    static Set<GgmlType> types = parse(System.getProperty("flotilla.pack", "Q4_0"));
    /**
     * Rows per stripe of the packed copies ({@code -Dflotilla.packStripe}: 1, 2 or 4, default
     * {@link PackedMatrix#STRIPE}; 1 is the layout without interleaved rows, to compare); benchmarks
     * in this package may switch it per load.
     */
    static int stripe = Integer.getInteger("flotilla.packStripe", PackedMatrix.STRIPE);
    /** Rows packed per task (the tasks run on the common pool: as many threads as cores). */
    private static final int ROWS_PER_TASK = 256;

    private PackedWeights() {
    }

    /** {@code false} or empty: none; else a comma-separated list of type names (Q4_0, Q8_0). */
    static Set<GgmlType> parse(String value) {
        Set<GgmlType> out = EnumSet.noneOf(GgmlType.class);
        if (value.isBlank() || value.equals("false")) {
            return out;
        }
        for (String name : value.split(",")) {
            GgmlType t = GgmlType.valueOf(name.strip().toUpperCase(java.util.Locale.ROOT));
            if (t != GgmlType.Q4_0 && t != GgmlType.Q8_0) {
                throw new IllegalArgumentException("flotilla.pack: only Q4_0 and Q8_0 can be packed, got " + value);
            }
            out.add(t);
        }
        return out;
    }

    /** {@code w} packed when that gives a faster kernel here, else {@code w} itself. */
    public static WeightMatrix of(WeightMatrix w) {
        if (!types.contains(w.type()) || !Compute.packs(w)) {
            return w;
        }
        MemorySegment dst = PackedMemory.allocate(w.data().byteSize());
        int tasks = (w.rows() + ROWS_PER_TASK - 1) / ROWS_PER_TASK;
        IntStream.range(0, tasks).parallel().forEach(i ->
                PackedMatrix.pack(w, dst, i * ROWS_PER_TASK, Math.min(w.rows(), (i + 1) * ROWS_PER_TASK),
                        stripe));
        if (w.data().isMapped()) {
            w.data().unload();
        }
        return PackedMatrix.of(w, dst, stripe);
    }
}
