package io.flotilla.collective;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a collective.
 *
 * @param deadline     the longest one operation may take on this worker (waiting for slower peers
 *                     included); past it the operation fails and the ring is closed
 * @param bucketFloats an all-reduce splits its buffer into buckets of at most this many floats,
 *                     each reduced by its own ring pass (bounds the frame size)
 */
public record CollectiveConfig(Duration deadline, int bucketFloats) {
    public CollectiveConfig {
        Objects.requireNonNull(deadline, "deadline");
        if (deadline.isNegative() || deadline.isZero()) {
            throw new IllegalArgumentException("deadline must be positive, got " + deadline);
        }
        if (bucketFloats <= 0) {
            throw new IllegalArgumentException("bucketFloats must be positive, got " + bucketFloats);
        }
    }

    /** Two minutes per operation, buckets of 1 Mi floats (4 MiB). */
    public static CollectiveConfig defaults() {
        return new CollectiveConfig(Duration.ofMinutes(2), 1 << 20);
    }

    public CollectiveConfig withDeadline(Duration deadline) {
        return new CollectiveConfig(deadline, bucketFloats);
    }

    public CollectiveConfig withBucketFloats(int floats) {
        return new CollectiveConfig(deadline, floats);
    }
}
