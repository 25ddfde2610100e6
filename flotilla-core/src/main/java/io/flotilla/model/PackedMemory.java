package io.flotilla.model;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Anonymous memory for the packed copies of weight matrices ({@link PackedWeights}): by default
 * {@code Arena.ofAuto()} memory. With {@code -Dflotilla.packHugePages=true}, on Linux, it is
 * mapped with {@code mmap}, marked {@code madvise(MADV_HUGEPAGE)} before its first touch (so that
 * where transparent huge pages are on "madvise", as on these machines, the kernel backs it with
 * 2 MiB pages) and populated in one call ({@code MADV_POPULATE_WRITE}); it is unmapped when the
 * segment becomes unreachable. Decode then streams the weights with fewer TLB misses (1B Q4_0,
 * one thread: 1.11x in a same-run A/B), but getting the huge pages took 0.2 to 3.5 s for 585 MB
 * here (against ~0.5 s for small pages), too much for the start-up target: so it is not the default.
 * When a call fails: {@code Arena.ofAuto()} memory.
 */
final class PackedMemory {
    private static final Logger LOG = LoggerFactory.getLogger(PackedMemory.class);
    private static final int PROT_READ_WRITE = 0x3;
    private static final int MAP_PRIVATE_ANONYMOUS = 0x22;
    private static final int MADV_HUGEPAGE = 14;
    private static final int MADV_POPULATE_WRITE = 23;
    /** Whether to ask for huge pages; benchmarks in this package may switch it per load. */
    static boolean hugePages = "true".equals(System.getProperty("flotilla.packHugePages"))
            && System.getProperty("os.name", "").startsWith("Linux");
    /**
     * The libc calls, looked up on first use only (when huge pages are asked for): the native linker is
     * a restricted method, which warns without {@code --enable-native-access}.
     */
    private static final class Libc {
        static final MethodHandle MMAP;
        static final MethodHandle MADVISE;
        static final MethodHandle MUNMAP;

        static {
            MethodHandle mmap = null;
            MethodHandle madvise = null;
            MethodHandle munmap = null;
            try {
                Linker linker = Linker.nativeLinker();
                SymbolLookup libc = linker.defaultLookup();
                Optional<MemorySegment> m = libc.find("mmap");
                Optional<MemorySegment> a = libc.find("madvise");
                Optional<MemorySegment> u = libc.find("munmap");
                if (m.isPresent() && a.isPresent() && u.isPresent()) {
                    mmap = linker.downcallHandle(m.get(), FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                            ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                            ValueLayout.JAVA_LONG));
                    madvise = linker.downcallHandle(a.get(), FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                            ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
                    munmap = linker.downcallHandle(u.get(), FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                            ValueLayout.JAVA_LONG));
                }
            } catch (RuntimeException e) { // no native access or no libc: plain memory
                LOG.debug("no mmap/madvise for packed weights: {}", e.toString());
            }
            MMAP = mmap;
            MADVISE = madvise;
            MUNMAP = munmap;
        }

        private Libc() {
        }
    }

    private PackedMemory() {
    }

    /** {@code bytes} of zeroed memory, 64-byte aligned, freed when unreachable. */
    static MemorySegment allocate(long bytes) {
        return allocate(bytes, hugePages);
    }

    /** {@link #allocate(long)}, asking for huge pages when {@code huge} (on Linux). */
    static MemorySegment allocate(long bytes, boolean huge) {
        if (huge && bytes > 0 && Libc.MMAP != null && System.getProperty("os.name", "").startsWith("Linux")) {
            try {
                MemorySegment m = (MemorySegment) Libc.MMAP.invokeExact(MemorySegment.NULL, bytes, PROT_READ_WRITE,
                        MAP_PRIVATE_ANONYMOUS, -1, 0L);
                if (m.address() != -1L) {
                    int advised = (int) Libc.MADVISE.invokeExact(m, bytes, MADV_HUGEPAGE);
                    // all pages at once (Linux 5.14+), instead of a fault per page while the threads pack
                    int populated = (int) Libc.MADVISE.invokeExact(m, bytes, MADV_POPULATE_WRITE);
                    if (advised != 0 || populated != 0) {
                        LOG.debug("madvise of {} bytes: huge pages {}, populate {} (0: done)", bytes, advised, populated);
                    }
                    return m.reinterpret(bytes, Arena.ofAuto(), s -> unmap(s, bytes));
                }
                LOG.debug("mmap of {} bytes failed; plain memory", bytes);
            } catch (Throwable e) { // invokeExact declares Throwable
                LOG.debug("mmap of {} bytes failed: {}", bytes, e.toString());
            }
        }
        return Arena.ofAuto().allocate(bytes, 64);
    }

    private static void unmap(MemorySegment s, long bytes) {
        try {
            int result = (int) Libc.MUNMAP.invokeExact(s, bytes);
            if (result != 0) {
                LOG.warn("munmap of {} bytes at {} failed", bytes, s.address());
            }
        } catch (Throwable e) { // invokeExact declares Throwable
            LOG.warn("munmap of {} bytes at {} failed: {}", bytes, s.address(), e.toString());
        }
    }
}
