package io.flotilla.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class StreamingDetokenizerTest {

    @Test
    void holdsBackBytesUntilTheCharacterIsComplete() {
        Tokenizer t = VocabTestFiles.tokenizer("llama-spm");
        int[] ids = t.encode("a🦙b", false, false); // the llama emoji has no token: four byte tokens
        StreamingDetokenizer d = new StreamingDetokenizer(t);
        StringBuilder seen = new StringBuilder();
        for (int id : ids) {
            String s = d.accept(id);
            assertThat(s).doesNotContain("\uFFFD");
            seen.append(s);
        }
        assertThat(seen.append(d.flush()).toString()).isEqualTo("a🦙b");
    }

    @Test
    void firstSpmTokenLosesItsSpacePrefix() {
        Tokenizer t = VocabTestFiles.tokenizer("llama-spm");
        StreamingDetokenizer d = new StreamingDetokenizer(t);
        StringBuilder out = new StringBuilder();
        for (int id : t.encode("Hello world", false, false)) {
            out.append(d.accept(id));
        }
        assertThat(out.toString()).isEqualTo("Hello world");
    }

    @Test
    void continuationKeepsTheFirstSpace() {
        Tokenizer t = VocabTestFiles.tokenizer("llama-spm");
        StreamingDetokenizer d = StreamingDetokenizer.continuation(t);
        StringBuilder out = new StringBuilder();
        for (int id : t.encode("and then", false, false)) {
            out.append(d.accept(id));
        }
        assertThat(out.append(d.flush()).toString()).isEqualTo(" and then");
    }

    @Test
    void completePrefixStopsBeforeAnUnfinishedSequence() {
        byte[] euro = "x€".getBytes(StandardCharsets.UTF_8); // 'x' E2 82 AC
        assertThat(StreamingDetokenizer.completePrefix(euro)).isEqualTo(4);
        assertThat(StreamingDetokenizer.completePrefix(java.util.Arrays.copyOf(euro, 3))).isEqualTo(1);
        assertThat(StreamingDetokenizer.completePrefix(java.util.Arrays.copyOf(euro, 2))).isEqualTo(1);
        assertThat(StreamingDetokenizer.completePrefix(new byte[0])).isZero();
    }

    @Test
    void flushReleasesAnIncompleteTail() {
        Tokenizer t = VocabTestFiles.tokenizer("llama-spm");
        int[] ids = t.encode("🦙", false, false);
        StreamingDetokenizer d = new StreamingDetokenizer(t);
        // ids: '▁' then four byte tokens; feed all but the last byte
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < ids.length - 1; i++) {
            out.append(d.accept(ids[i]));
        }
        assertThat(out.toString()).isEmpty();
        assertThat(d.flush()).isEqualTo("\uFFFD");
    }
}
