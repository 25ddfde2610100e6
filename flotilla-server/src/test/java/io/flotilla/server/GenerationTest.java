package io.flotilla.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.flotilla.chat.ChatTemplate;
import io.flotilla.engine.EngineConfig;
import io.flotilla.engine.EngineCore;
import io.flotilla.engine.EngineLoop;
import io.flotilla.engine.FinishReason;
import io.flotilla.engine.SamplingParams;
import io.flotilla.exec.TokenLogprobs;
import io.flotilla.gguf.GgufFile;
import io.flotilla.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Engine tokens to text with a real tokenizer (llama.cpp's Llama 2 SentencePiece vocabulary,
 * which has byte tokens) and a scripted executor: UTF-8 split over tokens, stop strings across
 * tokens, aborts.
 */
class GenerationTest {

    /** A served "model" whose engine plays a script. */
    record Scripted(Tokenizer tokenizer, EngineCore engine, EngineLoop loop) implements ServedModel, AutoCloseable {
        static Scripted start(Tokenizer tokenizer, int[] script) {
            EngineCore core = new EngineCore(EngineConfig.of(64, 32, Set.of()), new ScriptedTokenExecutor(script, 1));
            EngineLoop loop = new EngineLoop(core);
            loop.start();
            return new Scripted(tokenizer, core, loop);
        }

        @Override
        public String name() {
            return "scripted";
        }

        @Override
        public ChatTemplate chatTemplate() {
            return ChatTemplate.fallback();
        }

        @Override
        public int contextLength() {
            return 64;
        }

        @Override
        public void close() {
            loop.close();
        }
    }

    /** Records what a generation sends. */
    static final class Recording implements GenerationSink {
        final List<String> texts = new ArrayList<>();
        FinishReason reason;
        int tokens;
        int failAfter = Integer.MAX_VALUE;

        @Override
        public void text(int choice, String text, List<TokenLogprobs> logprobs) throws IOException {
            if (texts.size() >= failAfter) {
                throw new IOException("client gone");
            }
            texts.add(text);
        }

        @Override
        public void finish(int choice, FinishReason r, int n) {
            reason = r;
            tokens = n;
        }
    }

    private static Tokenizer spm() throws IOException {
        Path vocab = Path.of(System.getProperty("flotilla.shared", "../shared"), "vocab-tests/ggml-vocab-llama-spm.gguf")
                .toAbsolutePath().normalize();
        assumeTrue(Files.exists(vocab), vocab + " not found: skipping");
        try (GgufFile f = GgufFile.open(vocab)) {
            return Tokenizer.fromGguf(f.metadata());
        }
    }

    private static GenerationSpec spec(ServedModel model, int maxTokens, List<String> stops) {
        return new GenerationSpec("g", "default", List.of(new GenerationSpec.Choice(0, model.encodePrompt("Once"),
                SamplingParams.greedy(maxTokens))), stops, true);
    }

    @Test
    void multiByteCharactersSplitOverTokensArriveWhole() throws Exception {
        Tokenizer t = spm();
        int[] script = t.encode(" café ☕ ok", false, false);
        assertThat(script.length).as("☕ is spelled with byte tokens").isGreaterThan(5);
        try (Scripted model = Scripted.start(t, script)) {
            Recording sink = new Recording();
            new Generation(model, spec(model, script.length, List.of()), new ServerMetrics(model.engine())).run(sink);
            assertThat(String.join("", sink.texts)).isEqualTo("  café ☕ ok");
            assertThat(sink.texts).noneMatch(s -> s.contains("\uFFFD"));
            assertThat(sink.reason).isEqualTo(FinishReason.LENGTH);
            assertThat(sink.tokens).isEqualTo(script.length);
        }
    }

    @Test
    void stopStringAcrossTokensIsNeverShownAndEndsTheEngineRequest() throws Exception {
        Tokenizer t = spm();
        int[] script = t.encode("the cat sat on the mat and the dog ran", false, false);
        try (Scripted model = Scripted.start(t, script)) {
            Recording sink = new Recording();
            new Generation(model, spec(model, 40, List.of("on the m")), new ServerMetrics(model.engine())).run(sink);
            assertThat(String.join("", sink.texts)).isEqualTo(" the cat sat ");
            assertThat(sink.texts).noneMatch(s -> s.contains("on"));
            assertThat(sink.reason).isEqualTo(FinishReason.STOP);
            assertThat(sink.tokens).isLessThan(script.length);
            assertThat(model.engine().stats().numRunning()).isZero();
            assertThat(model.engine().stats().kvCache().usedBlocks()).isZero();
        }
    }

    @Test
    void aFailingSinkAbortsTheRequest() throws Exception {
        Tokenizer t = spm();
        try (Scripted model = Scripted.start(t, t.encode("the", false, false))) {
            Recording sink = new Recording();
            sink.failAfter = 2;
            Generation g = new Generation(model, spec(model, 50, List.of()), new ServerMetrics(model.engine()));
            assertThatThrownBy(() -> g.run(sink)).isInstanceOf(IOException.class);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(model.engine().stats().numRunning()).isZero();
                assertThat(model.engine().stats().kvCache().usedBlocks()).isZero();
            });
        }
    }
}
