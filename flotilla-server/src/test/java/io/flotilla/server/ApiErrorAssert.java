package io.flotilla.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;

/** Checks that a response is an OpenAI error object with the given status, param and code. */
public final class ApiErrorAssert {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ApiErrorAssert() {}

    /** Returns the inner {@code error} object. */
    public static JsonNode assertError(HttpResponse<String> r, int status, String param, String code) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("content-type")).contains("application/json");
        JsonNode o = JSON.readTree(r.body());
        assertThat(o.fieldNames()).toIterable().containsExactly("error");
        JsonNode e = o.get("error");
        assertThat(e.fieldNames()).toIterable().containsExactly("message", "type", "param", "code");
        assertThat(e.get("message").asText()).isNotBlank();
        assertThat(e.get("param").isNull() ? null : e.get("param").asText()).isEqualTo(param);
        assertThat(e.get("code").asText()).isEqualTo(code);
        return e;
    }
}
