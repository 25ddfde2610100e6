package io.flotilla.server.openai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.langchain4j.model.output.FinishReason;
import io.flotilla.server.ServerConfig;
import io.flotilla.server.TestServer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** LangChain4j's OpenAI chat models against a real Flotilla server and model. */
class LangChain4jClientTest {
    private static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(ServerConfig.local(0));
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static OpenAiChatModel.OpenAiChatModelBuilder model() {
        return OpenAiChatModel.builder().baseUrl(server.url() + "/v1").apiKey("unused").modelName(TestServer.MODEL)
                .maxCompletionTokens(12).timeout(Duration.ofSeconds(60)).maxRetries(0);
    }

    private static ChatRequest request() {
        return ChatRequest.builder().messages(SystemMessage.from("You tell stories."), UserMessage.from("Once upon a time"))
                .build();
    }

    @Test
    void chatWithUsage() {
        ChatResponse r = model().temperature(0.0).build().chat(request());
        assertThat(r.aiMessage().text()).isNotBlank();
        assertThat(r.tokenUsage().inputTokenCount()).isPositive();
        assertThat(r.tokenUsage().outputTokenCount()).isBetween(1, 12);
        assertThat(r.finishReason()).isIn(FinishReason.LENGTH, FinishReason.STOP);
        assertThat(r.metadata().modelName()).isEqualTo(TestServer.MODEL);
    }

    @Test
    void streamingMatchesTheWholeAnswer() throws Exception {
        String whole = model().temperature(0.0).build().chat(request()).aiMessage().text();
        OpenAiStreamingChatModel streaming = OpenAiStreamingChatModel.builder().baseUrl(server.url() + "/v1")
                .apiKey("unused").modelName(TestServer.MODEL).maxCompletionTokens(12).temperature(0.0)
                .timeout(Duration.ofSeconds(60)).build();
        StringBuilder parts = new StringBuilder();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        streaming.chat(request(), new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String partial) {
                parts.append(partial);
            }

            @Override
            public void onCompleteResponse(ChatResponse response) {
                done.complete(response);
            }

            @Override
            public void onError(Throwable error) {
                done.completeExceptionally(error);
            }
        });
        ChatResponse r = done.get(60, TimeUnit.SECONDS);
        assertThat(parts.toString()).isEqualTo(whole);
        assertThat(r.aiMessage().text()).isEqualTo(whole);
        assertThat(r.tokenUsage()).isNotNull();
        assertThat(r.tokenUsage().outputTokenCount()).isBetween(1, 12);
    }

    @Test
    void stopSequences() {
        String whole = model().temperature(0.0).build().chat(request()).aiMessage().text();
        assertThat(whole.length()).isGreaterThan(4);
        String stop = whole.substring(whole.length() / 2, whole.length() / 2 + 2);
        String cut = model().temperature(0.0).stop(List.of(stop)).build().chat(request()).aiMessage().text();
        assertThat(cut).isEqualTo(whole.substring(0, whole.indexOf(stop)));
    }

    @Test
    void seedReproducibility() {
        OpenAiChatModel seeded = model().temperature(1.0).seed(77).build();
        String a = seeded.chat(request()).aiMessage().text();
        String b = seeded.chat(request()).aiMessage().text();
        assertThat(a).isEqualTo(b);
    }
}
