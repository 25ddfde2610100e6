package io.flotilla.train;

import java.io.IOException;
import java.nio.file.Path;

/** A checkpoint file that cannot be read back: names the file, the offset and what was expected. */
public final class CheckpointException extends IOException {

    private final transient Path file;

    public CheckpointException(Path file, long offset, String message) {
        super(file + " at offset " + offset + ": " + message);
        this.file = file;
    }

    public Path file() {
        return file;
    }
}
