package io.flotilla.kernel;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.ref.WeakReference;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.WeakHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves the mapped weights the native one-token kernels read onto 2 MiB pages, in the background,
 * from the first time each matrix is used for one token ({@code flotilla_remap_huge}: a copy into
 * anonymous memory marked {@code MADV_HUGEPAGE}, moved over the same addresses with
 * {@code mremap}, so every segment stays valid and reads the same bytes before, during and after).
 * The file's 4 KiB pages cost a TLB miss every 4 KiB (a two-level walk in a virtual machine): the
 * native Q4_0 kernel streamed 10.4 GB/s from 2 MiB pages against 5.9 from the file's (C harness,
 * one thread), and 1B Q4_0 decoded 1.3-1.4x faster end to end. Getting the pages is slow here
 * (120 MB/s to 2 GB/s: the hypervisor backs fresh memory on first touch), so it happens on a daemon
 * thread of its own while the kernels go on reading the file's pages: start-up stays a mapping, and
 * only the matrices a process uses (a pipeline stage's layers) become resident.
 *
 * <p>Only whole 2 MiB pages inside the union of the ranges asked for move, so no byte that no
 * matrix asked for is copied: ranges of one mapping closer than {@link #MAX_GAP} are merged (the
 * small tensors between a layer's matrices), and a page shared by two matrices moves once both have
 * been asked for. Each call moves at most {@link #CHUNK} bytes and holds the mapping's scope while
 * it runs, so the file cannot be unmapped under it (a {@code GgufFile.close()} at that moment waits
 * for the call). {@code -Dflotilla.hugePages=false} turns it off; it is off where the native library
 * is not loaded, and after the first failure (logged once with its errno).
 */
final class HugePages {
    private static final Logger LOG = LoggerFactory.getLogger(HugePages.class);
    static final long PAGE = 2L << 20;
    /** Gaps up to this size between ranges of one mapping are moved with them. */
    static final long MAX_GAP = 256L << 10;
    /** Bytes moved per native call at most. */
    static final long CHUNK = 8L << 20;
    private static final boolean WANTED = !"false".equals(System.getProperty("flotilla.hugePages"))
            && System.getProperty("os.name", "").startsWith("Linux");
    private static final MethodHandle REMAP = WANTED && NativeKernels.available()
            ? NativeKernels.downcall("flotilla_remap_huge",
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG), false)
            : null;

    /** Per mapping (the segments' scope, weakly: a closed file's entry goes with it). */
    private static final Map<MemorySegment.Scope, Mapping> MAPPINGS = new WeakHashMap<>();
    /** Spans of pages waiting to move: {mapping, start, bytes}. */
    private static final ArrayDeque<Work> QUEUE = new ArrayDeque<>();
    private static volatile boolean failed;
    private static boolean busy;
    private static Thread worker;
    private static long movedBytes;
    private static long movedNanos;

    private record Span(long address, long size) {
    }

    private record Work(Mapping mapping, long address, long bytes) {
    }

    /** What was asked for and planned in one mapping. */
    private static final class Mapping {
        final TreeMap<Long, Long> runs = new TreeMap<>(); // merged ranges asked for, start -> end
        final Set<Span> asked = new HashSet<>();
        final Set<Long> planned = new HashSet<>();        // page addresses queued or moved
        // The segment asked for at the lowest address, so that every page planned lies above it; held
        // weakly, as the map's value must not keep its key (the mapping's scope) alive.
        WeakReference<MemorySegment> lowest = new WeakReference<>(null);

        void see(MemorySegment data) {
            MemorySegment low = lowest.get();
            if (low == null || data.address() < low.address()) {
                lowest = new WeakReference<>(data);
            }
        }
    }

    private HugePages() {
    }

    /** Whether moving is on here (native library loaded, Linux, not turned off, no failure yet). */
    static boolean enabled() {
        return REMAP != null && !failed;
    }

    /** Asks for {@code data}'s pages to be moved (once per segment), in the background. */
    static void request(MemorySegment data) {
        if (REMAP == null || failed || !data.isMapped()) {
            return;
        }
        synchronized (HugePages.class) {
            Mapping mapping = MAPPINGS.computeIfAbsent(data.scope(), s -> new Mapping());
            if (!mapping.asked.add(new Span(data.address(), data.byteSize()))) {
                return;
            }
            mapping.see(data);
            long start = data.address();
            long end = start + data.byteSize();
            Map.Entry<Long, Long> before = mapping.runs.floorEntry(start);
            if (before != null && before.getValue() + MAX_GAP >= start) {
                start = before.getKey();
                end = Math.max(end, before.getValue());
                mapping.runs.remove(before.getKey());
            }
            for (Map.Entry<Long, Long> after = mapping.runs.ceilingEntry(start);
                    after != null && after.getKey() <= end + MAX_GAP; after = mapping.runs.ceilingEntry(start)) {
                end = Math.max(end, after.getValue());
                mapping.runs.remove(after.getKey());
            }
            mapping.runs.put(start, end);
            plan(mapping, start, end);
        }
    }

    /** Queues the pages of [start, end) not planned yet, in spans of consecutive pages of at most CHUNK. */
    private static void plan(Mapping mapping, long start, long end) {
        long last = end & -PAGE;
        long span = -1;
        for (long page = (start + PAGE - 1) & -PAGE; page <= last; page += PAGE) {
            boolean movable = page < last && !mapping.planned.contains(page);
            if (movable) {
                mapping.planned.add(page);
                if (span < 0) {
                    span = page;
                }
            }
            if (span >= 0 && (!movable || page + PAGE - span >= CHUNK)) {
                long stop = movable ? page + PAGE : page;
                QUEUE.add(new Work(mapping, span, stop - span));
                span = -1;
            }
        }
        if (!QUEUE.isEmpty() && worker == null) {
            worker = Thread.ofPlatform().daemon().name("flotilla-huge-pages").start(HugePages::run);
        }
        HugePages.class.notifyAll();
    }

    private static void run() {
        while (true) {
            Work work;
            synchronized (HugePages.class) {
                while (QUEUE.isEmpty()) {
                    busy = false;
                    HugePages.class.notifyAll();
                    try {
                        HugePages.class.wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                work = QUEUE.poll();
                busy = true;
            }
            if (!failed) {
                move(work);
            }
        }
    }

    private static void move(Work work) {
        MemorySegment low = work.mapping().lowest.get();
        if (low == null || !low.scope().isAlive()) {
            return; // the file is closed (or its matrices gone): nothing to move
        }
        long t0 = System.nanoTime();
        int err;
        try {
            // A slice of the mapping: the downcall holds its scope, so the file stays mapped meanwhile.
            long offset = work.address() - low.address();
            MemorySegment target = low.reinterpret(offset + work.bytes()).asSlice(offset, work.bytes());
            err = (int) REMAP.invokeExact(target, work.bytes());
        } catch (IllegalStateException closed) {
            return; // closed between the check and the call
        } catch (Throwable e) {
            failed = true;
            LOG.warn("huge pages for the weights: turned off ({})", e.toString());
            return;
        }
        if (err != 0) {
            failed = true;
            LOG.warn("huge pages for the weights: turned off, flotilla_remap_huge of {} bytes failed with errno {}",
                    work.bytes(), err);
            return;
        }
        synchronized (HugePages.class) {
            movedBytes += work.bytes();
            movedNanos += System.nanoTime() - t0;
            LOG.debug("huge pages for the weights: {} MiB moved so far in {} ms", movedBytes >> 20,
                    movedNanos / 1_000_000);
        }
    }

    /** Bytes moved so far in this process. */
    static synchronized long movedBytes() {
        return movedBytes;
    }

    /** Waits until every span asked for so far has moved (for tests). */
    static synchronized void awaitIdle() throws InterruptedException {
        while (busy || !QUEUE.isEmpty()) {
            HugePages.class.wait(100);
        }
    }
}
