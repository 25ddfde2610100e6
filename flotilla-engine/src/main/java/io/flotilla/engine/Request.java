package io.flotilla.engine;

import java.util.Arrays;
import java.util.Objects;

/**
 * A generation request as the engine receives it: already templated and tokenized.
 *
 * @param requestId      unique among the engine's unfinished requests
 * @param promptTokenIds the prompt, at least one token (copied; {@link #promptTokenIds()} returns a copy)
 * @param tenantId       who pays: fairness between tenants is by weighted virtual time
 * @param arrivalNanos   when the request arrived, on the engine's clock ({@link System#nanoTime()} by default)
 */
public record Request(String requestId, int[] promptTokenIds, SamplingParams params, String tenantId, long arrivalNanos) {

    public static final String DEFAULT_TENANT = "default";

    public Request {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(params, "params");
        if (promptTokenIds == null || promptTokenIds.length == 0) {
            throw new IllegalArgumentException("request " + requestId + " has an empty prompt");
        }
        promptTokenIds = promptTokenIds.clone();
        tenantId = tenantId == null || tenantId.isEmpty() ? DEFAULT_TENANT : tenantId;
    }

    /** A request of the default tenant arriving now. */
    public static Request of(String requestId, int[] promptTokenIds, SamplingParams params) {
        return new Request(requestId, promptTokenIds, params, DEFAULT_TENANT, System.nanoTime());
    }

    public int promptLength() {
        return promptTokenIds.length;
    }

    public int promptToken(int index) {
        return promptTokenIds[index];
    }

    @Override
    public int[] promptTokenIds() {
        return promptTokenIds.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Request r && requestId.equals(r.requestId) && Arrays.equals(promptTokenIds, r.promptTokenIds)
                && params.equals(r.params) && tenantId.equals(r.tenantId) && arrivalNanos == r.arrivalNanos;
    }

    @Override
    public int hashCode() {
        return Objects.hash(requestId, Arrays.hashCode(promptTokenIds), params, tenantId, arrivalNanos);
    }

    @Override
    public String toString() {
        return "Request[" + requestId + ", tenant=" + tenantId + ", prompt=" + promptTokenIds.length
                + " tokens, " + params + "]";
    }
}
