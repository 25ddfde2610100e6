package io.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flotilla.gguf.GgufFile;
import io.flotilla.testkit.SharedData;
import io.flotilla.tokenizer.Tokenizer;
import java.io.FileNotFoundException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DefaultModelTest {

    @TempDir
    Path tmp;

    @AfterEach
    void clearProperty() {
        System.clearProperty(DefaultModel.PROPERTY);
    }

    private static Path demoModel() {
        assumeTrue(System.getenv(DefaultModel.ENV) == null, DefaultModel.ENV + " is set: skipping");
        var found = DefaultModel.find();
        assumeTrue(found.isPresent(), "the demo model " + DefaultModel.RELATIVE_PATH + " is missing: skipping");
        return found.get();
    }

    @Test
    void theProjectRootIsSearchedFromTheCodeAndTheWorkingDirectory() {
        Path moduleDir = Path.of("").toAbsolutePath(); // surefire runs in flotilla-cli/
        assertThat(DefaultModel.roots()).contains(moduleDir, moduleDir.getParent());
    }

    @Test
    void generateWithoutModelUsesTheCommittedDemoModel() throws Exception {
        Path demo = demoModel();
        assertThat(demo.toString()).endsWith(DefaultModel.RELATIVE_PATH.replace('/', java.io.File.separatorChar));
        assertThat(Files.size(demo)).isLessThanOrEqualTo(20L << 20);
        CliRun run = CliRun.of("generate", "--prompt", "once upon a time", "--temperature", "0", "--max-tokens", "48",
                "--ignore-eos", "--threads", "1", "--json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode o = new ObjectMapper().readTree(run.out());
        assertThat(o.get("tokens")).hasSize(48);
        String text = o.get("text").asText();
        assertThat(text).matches("(?s)[a-z0-9 .,;:!?'\"\\n-]+");
        assertTrainedWords(text);
    }

    /**
     * At least 90% of the generated words occur in the corpus the demo model learned from (when it is
     * at hand), and they are not one word repeated: a story, not an untrained model's loop.
     */
    private static void assertTrainedWords(String text) throws Exception {
        Path corpus = Path.of(System.getProperty("flotilla.shared", "../shared"),
                "corpora/tinystories-4m-lowercase.txt");
        if (!Files.exists(corpus)) {
            return;
        }
        Set<String> known = Arrays.stream(Files.readString(corpus).toLowerCase(Locale.ROOT).split("[^a-z']+"))
                .collect(Collectors.toSet());
        String[] words = Arrays.stream(text.split("[^a-z']+")).filter(w -> !w.isEmpty()).toArray(String[]::new);
        long knownCount = Arrays.stream(words).filter(known::contains).count();
        assertThat(words.length).isGreaterThanOrEqualTo(20);
        assertThat(Arrays.stream(words).distinct().count()).as("distinct words in: " + text).isGreaterThanOrEqualTo(12);
        assertThat(knownCount).as("known words in: " + text).isGreaterThanOrEqualTo((long) Math.ceil(0.9 * words.length));
    }

    @Test
    void theEnginesTokenizerReadsTheTrainedVocabulary() throws Exception {
        String text = "one day, a little girl named lily found a needle in her room. she knew it was difficult to play"
                + " with it because it was sharp.\nonce upon a time, there was a little car named beep.";
        try (GgufFile file = GgufFile.open(demoModel())) {
            Tokenizer t = Tokenizer.fromGguf(file.metadata());
            int[] ids = t.encode(text, true, false);
            assertThat(t.decode(ids)).isEqualTo(text);
            assertThat(ids.length).as("BPE merges in use").isLessThan(text.length() / 3);
        }
    }

    @Test
    void serveWithoutModelServesTheDemoModel() throws Exception {
        demoModel();
        try (ServeProcess serve = ServeProcess.start(tmp, "--threads", "1");
             HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(serve.base() + "/v1/models")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.body()).contains("\"flotilla-demo-tinystories\"");
        }
    }

    @Test
    void theFlagStillWins() throws Exception {
        demoModel();
        Path other = SharedData.tinyStoriesGguf();
        CliRun run = CliRun.of("generate", "--model", other.toString(), "--prompt", "Once upon a time",
                "--temperature", "0", "--max-tokens", "4", "--threads", "1", "--json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(new ObjectMapper().readTree(run.out()).get("prompt_tokens").asInt()).isEqualTo(6);
    }

    @Test
    void thePropertyNamesAnotherDefaultAndAMissingOneIsReported() throws Exception {
        Path file = Files.writeString(tmp.resolve("mine.gguf"), "x");
        System.setProperty(DefaultModel.PROPERTY, file.toString());
        assertThat(DefaultModel.path()).isEqualTo(file);
        assertThat(DefaultModel.orDefault(tmp)).isEqualTo(tmp);
        System.setProperty(DefaultModel.PROPERTY, tmp.resolve("gone.gguf").toString());
        assertThat(DefaultModel.find()).isEmpty();
        assertThatThrownBy(DefaultModel::path).isInstanceOf(FileNotFoundException.class)
                .hasMessageContaining("gone.gguf").hasMessageContaining("-D" + DefaultModel.PROPERTY);
        CliRun run = CliRun.of("generate", "--prompt", "hi");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("gone.gguf").doesNotContain("\tat ");
    }
}
