/**
 * The OpenAI wire format: request parsing and validation ({@code OpenAiRequests}), response and
 * chunk shapes ({@code OpenAiResponses}), SSE frames written by hand as {@code data: JSON\n\n}
 * ({@code SseStream}), and the routes ({@link io.flotilla.server.openai.OpenAiRoutes}).
 */
package io.flotilla.server.openai;
