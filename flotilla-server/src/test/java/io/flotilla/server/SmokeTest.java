package io.flotilla.server;

import org.junit.jupiter.api.Test;

class SmokeTest {
    @Test
    void smoke() throws Exception {
        try (TestServer s = TestServer.start(ServerConfig.local(0))) {
            var r = s.post("/v1/completions", "{\"model\":\"tinystories\",\"prompt\":\"Once upon a time\",\"max_tokens\":20,\"temperature\":0}");
            System.out.println(r.statusCode() + " " + r.headers().map() + "\n" + r.body());
            r = s.post("/v1/chat/completions", "{\"model\":\"tinystories\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":10,\"stream\":true,\"stream_options\":{\"include_usage\":true}}");
            System.out.println(r.statusCode() + " " + r.headers().map() + "\n" + r.body());
            r = s.post("/v1/chat/completions", "{\"model\":\"tinystories\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":3,\"logprobs\":true,\"top_logprobs\":2}");
            System.out.println(r.statusCode() + " " + r.body());
            r = s.post("/v1/chat/completions", "{\"model\":\"tinystories\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":\"x\"}");
            System.out.println(r.statusCode() + " " + r.body());
            r = s.post("/v1/chat/completions", "{\"model\":");
            System.out.println(r.statusCode() + " " + r.body());
            r = s.get("/metrics");
            System.out.println(r.statusCode() + " " + r.body().substring(0, Math.min(3000, r.body().length())));
            r = s.get("/nope");
            System.out.println(r.statusCode() + " " + r.body());
        }
    }
}
