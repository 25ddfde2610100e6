package io.flotilla.gguf;

import java.io.IOException;
import java.nio.file.Path;

/** A GGUF file that cannot be read: names the file, the byte offset and what was expected there. */
public class GgufFormatException extends IOException {
    private final Path file;
    private final long offset;

    public GgufFormatException(Path file, long offset, String message) {
        super(file + " at offset " + offset + ": " + message);
        this.file = file;
        this.offset = offset;
    }

    public Path file() {
        return file;
    }

    public long offset() {
        return offset;
    }
}
