package io.flotilla.transport;

import java.time.Duration;
import java.util.Objects;

/**
 * An emulated network link, one direction: delay added to every frame, and a bandwidth cap.
 *
 * @param oneWayLatency  time from sending a frame's last byte to its delivery
 * @param bytesPerSecond link capacity; {@link Long#MAX_VALUE} for no cap
 */
public record LinkProfile(Duration oneWayLatency, long bytesPerSecond) {
    public static final LinkProfile UNLIMITED = new LinkProfile(Duration.ZERO, Long.MAX_VALUE);

    public LinkProfile {
        Objects.requireNonNull(oneWayLatency, "oneWayLatency");
        if (oneWayLatency.isNegative() || bytesPerSecond <= 0) {
            throw new IllegalArgumentException("latency must be >= 0 and bandwidth > 0, got " + oneWayLatency
                    + " and " + bytesPerSecond + " B/s");
        }
    }

    /** A gigabit LAN: 0.1 ms one way, 125 MB/s. */
    public static LinkProfile lan() {
        return new LinkProfile(Duration.ofNanos(100_000), 125_000_000L);
    }

    /** A home-to-home WAN: 20 ms one way, 50 Mbit/s. */
    public static LinkProfile wan() {
        return new LinkProfile(Duration.ofMillis(20), 6_250_000L);
    }

    /** Nanoseconds the link is busy sending {@code bytes}. */
    public long transmitNanos(long bytes) {
        if (bytesPerSecond == Long.MAX_VALUE) {
            return 0;
        }
        return (long) Math.ceil(bytes * 1e9 / bytesPerSecond);
    }
}
