package io.flotilla.server;

/**
 * A request the server refuses, answered as an OpenAI error object
 * {@code {"error":{"message","type","param","code"}}} with an HTTP status and, for 429 and 503,
 * a {@code Retry-After} in seconds.
 */
public final class ApiError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String type;
    private final String param;
    private final String code;
    private final long retryAfterSeconds;

    public ApiError(int status, String type, String message, String param, String code, long retryAfterSeconds) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** 400: a field is missing, of the wrong type or out of range. */
    public static ApiError badField(String param, String message) {
        return new ApiError(400, "invalid_request_error", message, param, "invalid_value", 0);
    }

    /** 400: the body is not JSON. */
    public static ApiError malformedJson(String detail) {
        return new ApiError(400, "invalid_request_error",
                "We could not parse the JSON body of your request: " + detail, null, "invalid_json", 0);
    }

    /** 404: no such model. */
    public static ApiError unknownModel(String model) {
        return new ApiError(404, "invalid_request_error", "The model '" + model + "' does not exist", "model",
                "model_not_found", 0);
    }

    /** 400: the prompt does not fit in the context. */
    public static ApiError contextLengthExceeded(String param, int contextLength, int promptTokens) {
        return new ApiError(400, "invalid_request_error", "This model's maximum context length is " + contextLength
                + " tokens, but the prompt has " + promptTokens + " tokens (at least one token must be left to generate)."
                + " Please shorten the prompt.", param, "context_length_exceeded", 0);
    }

    /** 401: no key, or a key not in the key file. */
    public static ApiError unauthorized(String message) {
        return new ApiError(401, "invalid_request_error", message, null, "invalid_api_key", 0);
    }

    /** 429: a tenant's requests/min ("requests") or tokens/min ("tokens") quota is used up. */
    public static ApiError rateLimited(String kind, String message, long retryAfterSeconds) {
        return new ApiError(429, kind, message, null, "rate_limit_exceeded", retryAfterSeconds);
    }

    /** 503: the engine's queue is full. */
    public static ApiError overloaded(String message, long retryAfterSeconds) {
        return new ApiError(503, "server_error", message, null, "overloaded", retryAfterSeconds);
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    /** The request field at fault, or null. */
    public String param() {
        return param;
    }

    public String code() {
        return code;
    }

    /** Seconds for the Retry-After header; 0 = no header. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
