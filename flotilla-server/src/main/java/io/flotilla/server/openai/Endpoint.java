package io.flotilla.server.openai;

/** The two generation endpoints: their paths, object names and id prefixes. */
enum Endpoint {
    CHAT("/v1/chat/completions", "chat.completion", "chat.completion.chunk", "chatcmpl-", "messages"),
    COMPLETION("/v1/completions", "text_completion", "text_completion", "cmpl-", "prompt");

    final String path;
    final String object;
    final String chunkObject;
    final String idPrefix;
    /** The request field that holds the prompt (named in context-length errors). */
    final String promptField;

    Endpoint(String path, String object, String chunkObject, String idPrefix, String promptField) {
        this.path = path;
        this.object = object;
        this.chunkObject = chunkObject;
        this.idPrefix = idPrefix;
        this.promptField = promptField;
    }
}
