package io.flotilla.engine;

/** Why a request ended. */
public enum FinishReason {
    /** An end-of-generation id, a stop token id, or a stop string seen by the layer above. */
    STOP,
    /** maxTokens generated, or the context length reached. */
    LENGTH,
    /** Cancelled: client gone, or aborted by the caller. */
    ABORT,
    /** The executor failed while computing the request's step. */
    ERROR;

    /** The lower-case name used on the wire ("stop", "length", ...). */
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
