package io.flotilla.server.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.NotFoundException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.completions.CompletionUsage;
import io.flotilla.server.ServerConfig;
import io.flotilla.server.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The official OpenAI Java SDK against a real Flotilla server and model. */
class OpenAiJavaClientTest {
    private static TestServer server;
    private static OpenAIClient client;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(ServerConfig.local(0));
        client = OpenAIOkHttpClient.builder().baseUrl(server.url() + "/v1").apiKey("unused").maxRetries(0).build();
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private static ChatCompletionCreateParams.Builder chat() {
        return ChatCompletionCreateParams.builder().model(TestServer.MODEL)
                .addSystemMessage("You tell stories.").addUserMessage("Once upon a time").maxCompletionTokens(12);
    }

    private static CompletionCreateParams.Builder completion() {
        return CompletionCreateParams.builder().model(TestServer.MODEL).prompt("Once upon a time").maxTokens(12)
                .temperature(0.0);
    }

    @Test
    void completionCall() {
        Completion c = client.completions().create(completion().build());
        assertThat(c.id()).startsWith("cmpl-");
        assertThat(c.model()).isEqualTo(TestServer.MODEL);
        assertThat(c.choices()).hasSize(1);
        assertThat(c.choices().get(0).text()).startsWith(", a little girl named Lily");
        assertThat(c.choices().get(0).finishReason().asString()).isEqualTo("length");
        CompletionUsage usage = c.usage().orElseThrow();
        assertThat(usage.completionTokens()).isEqualTo(12);
        assertThat(usage.totalTokens()).isEqualTo(usage.promptTokens() + 12);
        c.validate();
    }

    @Test
    void chatCall() {
        ChatCompletion c = client.chat().completions().create(chat().temperature(0.0).build());
        c.validate();
        assertThat(c.id()).startsWith("chatcmpl-");
        assertThat(c.choices().get(0).message().content().orElseThrow()).isNotBlank();
        assertThat(c.choices().get(0).finishReason().asString()).isIn("length", "stop");
        assertThat(c.usage().orElseThrow().completionTokens()).isBetween(1L, 12L);
    }

    @Test
    void streamingWithUsage() {
        String whole = client.chat().completions().create(chat().temperature(0.0).build())
                .choices().get(0).message().content().orElseThrow();
        StringBuilder text = new StringBuilder();
        CompletionUsage[] usage = new CompletionUsage[1];
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                chat().temperature(0.0).streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            stream.stream().forEach(chunk -> {
                chunk.validate();
                chunk.choices().forEach(ch -> ch.delta().content().ifPresent(text::append));
                chunk.usage().ifPresent(u -> usage[0] = u);
            });
        }
        assertThat(text.toString()).isEqualTo(whole);
        assertThat(usage[0]).isNotNull();
        assertThat(usage[0].completionTokens()).isBetween(1L, 12L);
        assertThat(usage[0].promptTokens()).isPositive();
    }

    @Test
    void stopSequences() {
        String full = client.completions().create(completion().build()).choices().get(0).text();
        Completion stopped = client.completions().create(completion().stop("Lily").build());
        assertThat(stopped.choices().get(0).text()).isEqualTo(full.substring(0, full.indexOf("Lily")));
        assertThat(stopped.choices().get(0).finishReason().asString()).isEqualTo("stop");
    }

    @Test
    @SuppressWarnings("deprecation") // OpenAI marks seed deprecated for its own models; Flotilla honours it
    void seedReproducibility() {
        ChatCompletionCreateParams seeded = chat().temperature(1.0).seed(1234L).build();
        String a = client.chat().completions().create(seeded).choices().get(0).message().content().orElseThrow();
        String b = client.chat().completions().create(seeded).choices().get(0).message().content().orElseThrow();
        assertThat(a).isEqualTo(b);
        String[] others = new String[3];
        for (int i = 0; i < others.length; i++) {
            others[i] = client.chat().completions().create(chat().temperature(1.0).seed(99L + i).build())
                    .choices().get(0).message().content().orElseThrow();
        }
        assertThat(others).anySatisfy(o -> assertThat(o).isNotEqualTo(a));
    }

    @Test
    void unknownModelIsNotFound() {
        assertThatThrownBy(() -> client.chat().completions().create(chat().model("gpt-9").build()))
                .isInstanceOfSatisfying(NotFoundException.class, e -> assertThat(e.statusCode()).isEqualTo(404));
    }
}
