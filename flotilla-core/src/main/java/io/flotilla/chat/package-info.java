/**
 * Chat templates: a model's {@code tokenizer.chat_template} (Hugging Face Jinja) rendered
 * with Jinjava as {@code transformers}' {@code apply_chat_template} renders it.
 * {@link io.flotilla.chat.ChatTemplate#of} parses once; {@code render} is thread-safe.
 * Models without a template get {@link io.flotilla.chat.ChatTemplate#fallback()} (ChatML).
 */
package io.flotilla.chat;
