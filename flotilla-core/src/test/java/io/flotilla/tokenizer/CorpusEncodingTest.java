package io.flotilla.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Whole corpora: seconds of CPU for 4 MB, lossless round trips, and SPM's cut-and-cache giving llama.cpp's whole-text result. */
class CorpusEncodingTest {
    private static String corpus;

    @BeforeAll
    static void read() throws Exception {
        corpus = Files.readString(VocabTestFiles.shared().resolve("corpora/tinystories-4m-lowercase.txt"),
                StandardCharsets.UTF_8);
    }

    @Test
    void spmEncodesFourMegabytesInSeconds() {
        assertEncodesQuickly(VocabTestFiles.tokenizer("llama-spm"));
    }

    @Test
    void bpeEncodesFourMegabytesInSeconds() {
        assertEncodesQuickly(VocabTestFiles.tokenizer("gpt-2"));
    }

    private static void assertEncodesQuickly(Tokenizer t) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long cpu = threads.getCurrentThreadCpuTime();
        int[] ids = t.encode(corpus, false, false);
        double seconds = (threads.getCurrentThreadCpuTime() - cpu) / 1e9;
        assertThat(ids.length).isGreaterThan(corpus.length() / 8);
        assertThat(seconds).as("CPU seconds to encode %d chars", corpus.length()).isLessThan(20);
        assertThat(t.decode(ids)).isEqualTo(corpus);
    }

    @Test
    void spmCutsDoNotChangeTheResult() {
        VocabTokenizer t = (VocabTokenizer) VocabTestFiles.tokenizer("llama-spm");
        String slice = " " + corpus.substring(100_000, 130_000);
        IntList whole = new IntList();
        t.spmEncoder().encodeSegment(slice.replace(' ', '\u2581'), whole);
        assertThat(t.encode(slice.substring(1), false, false)).containsExactly(whole.toArray());
    }
}
