package io.flotilla.tokenizer;

/** Token types as GGUF stores them in {@code tokenizer.ggml.token_type}. */
public enum TokenType {
    UNDEFINED, NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE;

    /** The type for a GGUF token_type value; values out of range are UNDEFINED, as in llama.cpp. */
    public static TokenType fromGguf(int value) {
        TokenType[] all = values();
        return value >= 0 && value < all.length ? all[value] : UNDEFINED;
    }
}
