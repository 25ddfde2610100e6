package io.flotilla.testkit.llamacpp;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * The part of llama.cpp's C API that the parity tests and the benchmarks need, bound with
 * {@code java.lang.foreign} to the native library inside the Maven artifact {@code de.kherud:llama}
 * 4.2.0 (llama.cpp build b4916, which exports every {@code llama_*} function). The artifact's Java
 * API only completes text; the C API gives the logits of every position (perplexity, parity) and
 * lets a benchmark time prefill and decode separately, in Java, exactly as it times Flotilla.
 * Most callers want {@link LlamaCppContext}, which owns a model, a context and a batch.
 *
 * <p>Struct layouts follow llama.h of b4916. Only the leading fields of the parameter structs are
 * touched; they are declared larger than their C size (64 and 120 bytes), which is harmless for
 * by-value returns and for by-value arguments passed in memory (x86-64 and AArch64 both do so).
 */
public final class LlamaCppLibrary {
    /** llama_model_params and llama_context_params, oversized. */
    public static final StructLayout PARAMS = MemoryLayout.structLayout(MemoryLayout.sequenceLayout(32, JAVA_LONG));
    /** llama_batch: n_tokens, then the token, embd, pos, n_seq_id, seq_id and logits pointers. */
    public static final StructLayout BATCH = MemoryLayout.structLayout(
            JAVA_INT.withName("n_tokens"), MemoryLayout.paddingLayout(4),
            ADDRESS.withName("token"), ADDRESS.withName("embd"), ADDRESS.withName("pos"),
            ADDRESS.withName("n_seq_id"), ADDRESS.withName("seq_id"), ADDRESS.withName("logits"));
    /** Offsets in llama_context_params. */
    public static final long CTX_N_CTX = 0;
    public static final long CTX_N_BATCH = 4;
    public static final long CTX_N_UBATCH = 8;
    public static final long CTX_N_THREADS = 16;
    public static final long CTX_N_THREADS_BATCH = 20;

    public final MethodHandle modelDefaultParams;
    public final MethodHandle contextDefaultParams;
    public final MethodHandle modelLoad;
    public final MethodHandle modelFree;
    public final MethodHandle contextInit;
    public final MethodHandle contextFree;
    public final MethodHandle modelVocab;
    public final MethodHandle vocabSize;
    public final MethodHandle vocabBos;
    public final MethodHandle tokenize;
    public final MethodHandle tokenToPiece;
    public final MethodHandle batchInit;
    public final MethodHandle batchFree;
    public final MethodHandle decode;
    public final MethodHandle logitsIth;
    public final MethodHandle kvClear;

    private static LlamaCppLibrary instance;
    private static Path extracted;

    /** The bindings, loading the library on first use. */
    public static synchronized LlamaCppLibrary get() throws IOException {
        if (instance == null) {
            instance = new LlamaCppLibrary(SymbolLookup.libraryLookup(extracted(), Arena.global()));
        }
        return instance;
    }

    private LlamaCppLibrary(SymbolLookup lib) {
        Linker l = Linker.nativeLinker();
        modelDefaultParams = fn(l, lib, "llama_model_default_params", FunctionDescriptor.of(PARAMS));
        contextDefaultParams = fn(l, lib, "llama_context_default_params", FunctionDescriptor.of(PARAMS));
        modelLoad = fn(l, lib, "llama_model_load_from_file", FunctionDescriptor.of(ADDRESS, ADDRESS, PARAMS));
        modelFree = fn(l, lib, "llama_model_free", FunctionDescriptor.ofVoid(ADDRESS));
        contextInit = fn(l, lib, "llama_init_from_model", FunctionDescriptor.of(ADDRESS, ADDRESS, PARAMS));
        contextFree = fn(l, lib, "llama_free", FunctionDescriptor.ofVoid(ADDRESS));
        modelVocab = fn(l, lib, "llama_model_get_vocab", FunctionDescriptor.of(ADDRESS, ADDRESS));
        vocabSize = fn(l, lib, "llama_vocab_n_tokens", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        vocabBos = fn(l, lib, "llama_vocab_bos", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        tokenize = fn(l, lib, "llama_tokenize", FunctionDescriptor.of(JAVA_INT,
                ADDRESS, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_BOOLEAN, JAVA_BOOLEAN));
        tokenToPiece = fn(l, lib, "llama_token_to_piece", FunctionDescriptor.of(JAVA_INT,
                ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_BOOLEAN));
        batchInit = fn(l, lib, "llama_batch_init", FunctionDescriptor.of(BATCH, JAVA_INT, JAVA_INT, JAVA_INT));
        batchFree = fn(l, lib, "llama_batch_free", FunctionDescriptor.ofVoid(BATCH));
        decode = fn(l, lib, "llama_decode", FunctionDescriptor.of(JAVA_INT, ADDRESS, BATCH));
        logitsIth = fn(l, lib, "llama_get_logits_ith", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT));
        kvClear = fn(l, lib, "llama_kv_self_clear", FunctionDescriptor.ofVoid(ADDRESS));
        silence(l, lib);
        try {
            fn(l, lib, "llama_backend_init", FunctionDescriptor.ofVoid()).invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException("llama_backend_init failed", t);
        }
    }

    private static MethodHandle fn(Linker l, SymbolLookup lib, String name, FunctionDescriptor d) {
        MemorySegment addr = lib.find(name)
                .orElseThrow(() -> new UnsupportedOperationException("llama.cpp library has no symbol " + name));
        return l.downcallHandle(addr, d);
    }

    /** Routes llama.cpp's and ggml's log lines to a callback that drops them. */
    private static void silence(Linker l, SymbolLookup lib) {
        try {
            MethodHandle drop = MethodHandles.lookup().findStatic(LlamaCppLibrary.class, "dropLog",
                    MethodType.methodType(void.class, int.class, MemorySegment.class, MemorySegment.class));
            MemorySegment stub = l.upcallStub(drop, FunctionDescriptor.ofVoid(JAVA_INT, ADDRESS, ADDRESS),
                    Arena.global());
            fn(l, lib, "llama_log_set", FunctionDescriptor.ofVoid(ADDRESS, ADDRESS)).invokeExact(stub, MemorySegment.NULL);
        } catch (Throwable t) {
            throw new IllegalStateException("llama_log_set failed", t);
        }
    }

    @SuppressWarnings("unused")
    private static void dropLog(int level, MemorySegment text, MemorySegment userData) {}

    /**
     * Points {@code de.kherud:llama}'s own loader at the library this class extracts (unless the
     * property {@code de.kherud.llama.lib.path} is set already), so that it loads without printing
     * to standard output. Call before the first use of {@code de.kherud.llama.LlamaModel}.
     */
    public static synchronized void prepareJavaBinding() throws IOException {
        if (System.getProperty("de.kherud.llama.lib.path") == null) {
            System.setProperty("de.kherud.llama.lib.path", extracted().getParent().toString());
        }
    }

    /** This platform's library, copied out of the de.kherud:llama jar into a temporary folder once. */
    private static synchronized Path extracted() throws IOException {
        if (extracted == null) {
            extracted = extract();
        }
        return extracted;
    }

    private static Path extract() throws IOException {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String cpu = arch.equals("amd64") || arch.equals("x86_64") ? "x86_64" : arch;
        String resource = os.contains("linux") ? "/de/kherud/llama/Linux/" + cpu + "/libjllama.so"
                : os.contains("mac") ? "/de/kherud/llama/Mac/" + cpu + "/libjllama.dylib" : null;
        if (resource == null) {
            throw new UnsupportedOperationException("no llama.cpp library in de.kherud:llama for " + os + "/" + arch);
        }
        try (InputStream in = de.kherud.llama.LlamaModel.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new UnsupportedOperationException("de.kherud:llama has no " + resource);
            }
            Path dir = Files.createTempDirectory("flotilla-llamacpp");
            Path lib = dir.resolve(resource.substring(resource.lastIndexOf('/') + 1));
            Files.copy(in, lib, StandardCopyOption.REPLACE_EXISTING);
            lib.toFile().deleteOnExit();
            dir.toFile().deleteOnExit();
            return lib;
        }
    }
}
