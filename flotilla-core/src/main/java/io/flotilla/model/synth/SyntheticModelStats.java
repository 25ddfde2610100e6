package io.flotilla.model.synth;

import java.nio.file.Path;

/** What {@link SyntheticModel#write} produced: the file, its size, its parameter count and the time taken. */
public record SyntheticModelStats(Path path, SyntheticSpec spec, long bytes, long parameters, double seconds) {}
