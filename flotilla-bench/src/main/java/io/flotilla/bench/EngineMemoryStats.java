package io.flotilla.bench;

/**
 * Resident memory while Flotilla generates, against what it should be: the model file (mapped,
 * not copied) plus the KV cache, plus 10%. {@code beforeOpen} is the process before the model was
 * opened (the JVM itself), so that the model's own share can be told apart.
 */
public record EngineMemoryStats(ProcessMemory beforeOpen, ProcessMemory generating, long fileBytes,
                                long kvCacheBytes) {
    /** The target: file + KV cache + 10%. */
    public long limitBytes() {
        return Math.round((fileBytes + kvCacheBytes) * 1.1);
    }

    public boolean withinLimit() {
        return generating.rssBytes() <= limitBytes();
    }

    /** Resident bytes the model added to the process: RSS while generating minus RSS before opening. */
    public long modelRssBytes() {
        return generating.rssBytes() - beforeOpen.rssBytes();
    }

    /** Whether what the model added ({@link #modelRssBytes()}, the JVM's own start not counted) is within the limit. */
    public boolean modelWithinLimit() {
        return modelRssBytes() <= limitBytes();
    }
}
