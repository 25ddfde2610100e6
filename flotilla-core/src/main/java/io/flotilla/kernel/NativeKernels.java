package io.flotilla.kernel;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Flotilla's own native kernels ({@code libflotilla_kernels.so}, C sources in
 * {@code flotilla-core/src/main/c}, built by Maven when a C compiler is present), reached through
 * FFM downcalls. The library comes from {@code -Dflotilla.native.path=FILE}, else from the classpath
 * resource {@code native/linux-x86_64/libflotilla_kernels.so}, extracted once to a temporary file.
 * It dispatches on the CPU itself ({@link #cpuLevel}); below AVX2 it reports level 0 and is not used.
 *
 * <p>{@code -Dflotilla.native=false} turns it off (the Vector API kernels serve). With
 * {@code -Dflotilla.native.required=true} (the tests' setting) a library that the build made but that
 * does not load is an error instead of a fallback; a build that skipped the library (no compiler)
 * leaves the resource {@code native/skipped} saying why, and then nothing is required.
 */
public final class NativeKernels {
    private static final Logger LOG = LoggerFactory.getLogger(NativeKernels.class);
    static final String RESOURCE = "native/linux-x86_64/libflotilla_kernels.so";
    private static final String SKIPPED = "native/skipped";
    private static final String[] LEVELS = {"none", "avx2", "avx-vnni", "avx512-vnni"};

    /** What loading found: the symbols (empty when off or missing), the CPU level and why not, if not. */
    private record State(Optional<SymbolLookup> symbols, int level, String reason) {
    }

    private static final State STATE = load();

    private NativeKernels() {
    }

    /** Whether the native kernels serve on this machine (library loaded, CPU level at least AVX2, not turned off). */
    public static boolean available() {
        return STATE.symbols.isPresent() && STATE.level > 0;
    }

    /** The CPU variant the library runs: 0 none, 1 AVX2, 2 AVX-VNNI, 3 AVX512-VNNI; -1 when not loaded. */
    public static int cpuLevel() {
        return STATE.level;
    }

    /** A short description for logs and benchmarks: the variant, or why the native kernels are off. */
    public static String describe() {
        return describe(STATE);
    }

    /**
     * A downcall handle to the exported function {@code name} of the library. {@code critical}: the
     * call is short and may take heap segments ({@code MemorySegment.ofArray}) without copying
     * ({@link Linker.Option#critical}). Throws {@link IllegalStateException} when the library is not
     * {@link #available()}, {@link IllegalArgumentException} when it has no such function.
     */
    public static MethodHandle downcall(String name, FunctionDescriptor descriptor, boolean critical) {
        SymbolLookup symbols = STATE.symbols.orElseThrow(() -> new IllegalStateException(
                "native kernels are off: " + STATE.reason));
        MemorySegment address = symbols.find(name).orElseThrow(() -> new IllegalArgumentException(
                "libflotilla_kernels.so has no function '" + name + "'"));
        Linker.Option[] options = critical ? new Linker.Option[] {Linker.Option.critical(true)} : new Linker.Option[0];
        return Linker.nativeLinker().downcallHandle(address, descriptor, options);
    }

    /**
     * For tests: runs the kernels at most at CPU level {@code max} (the lower variants on a newer CPU;
     * the detected level when {@code max} is above it) and returns the level now active. Only while
     * no kernel runs; tests put the detected level back after.
     */
    static int limitCpuLevel(int max) {
        try {
            return (int) downcall("flotilla_limit_cpu_level", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT), false).invokeExact(max);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("flotilla_limit_cpu_level failed", e);
        }
    }

    private static State load() {
        if ("false".equals(System.getProperty("flotilla.native"))) {
            return off("-Dflotilla.native=false");
        }
        boolean required = Boolean.getBoolean("flotilla.native.required");
        try {
            Path file = libraryFile();
            if (file == null) {
                String skipped = skippedReason();
                if (required && skipped == null) {
                    throw new IllegalStateException("flotilla.native.required: no " + RESOURCE
                            + " on the classpath and no " + SKIPPED + " note from the build");
                }
                return off(skipped != null ? "not built: " + skipped : "no library for this platform");
            }
            SymbolLookup symbols = SymbolLookup.libraryLookup(file, Arena.global());
            MethodHandle level = Linker.nativeLinker().downcallHandle(symbols.find("flotilla_cpu_level").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT));
            int cpu = (int) level.invokeExact();
            State s = new State(Optional.of(symbols), cpu, cpu > 0 ? "" : "CPU below AVX2+FMA");
            LOG.info("flotilla kernels: {} ({})", describe(s), file);
            return s;
        } catch (Throwable e) {
            if (required) {
                throw new IllegalStateException("flotilla.native.required: the native kernels did not load", e);
            }
            LOG.warn("flotilla kernels: native library did not load, using the Java kernels", e);
            return off("did not load: " + e);
        }
    }

    private static String describe(State s) {
        return s.symbols.isPresent() && s.level > 0 ? "native " + LEVELS[Math.min(s.level, LEVELS.length - 1)] : "off (" + s.reason + ")";
    }

    private static State off(String reason) {
        LOG.debug("flotilla kernels: native off: {}", reason);
        return new State(Optional.empty(), -1, reason);
    }

    /** The library to load: the property's file, or the resource extracted to a temporary file; null if neither. */
    private static Path libraryFile() throws IOException {
        String path = System.getProperty("flotilla.native.path");
        if (path != null && !path.isBlank()) {
            Path p = Path.of(path);
            if (!Files.isRegularFile(p)) {
                throw new IOException("-Dflotilla.native.path=" + path + ": no such file");
            }
            return p;
        }
        if (!System.getProperty("os.name", "").startsWith("Linux")
                || !System.getProperty("os.arch", "").matches("amd64|x86_64")) {
            return null;
        }
        try (InputStream in = NativeKernels.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                return null;
            }
            Path tmp = Files.createTempFile("libflotilla_kernels", ".so");
            tmp.toFile().deleteOnExit();
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            return tmp;
        }
    }

    private static String skippedReason() throws IOException {
        try (InputStream in = NativeKernels.class.getClassLoader().getResourceAsStream(SKIPPED)) {
            return in == null ? null : new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
        }
    }
}
