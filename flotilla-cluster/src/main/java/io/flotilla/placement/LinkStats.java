package io.flotilla.placement;

/** A measured link between two nodes: round-trip time and bandwidth (one direction). */
public record LinkStats(double rttSeconds, double bytesPerSecond) {
    public LinkStats {
        if (rttSeconds < 0 || bytesPerSecond <= 0) {
            throw new IllegalArgumentException("link needs rtt >= 0 and bandwidth > 0, got " + rttSeconds + " s, "
                    + bytesPerSecond + " B/s");
        }
    }

    /** Time for {@code bytes} to arrive: half the RTT plus the transfer. */
    public double oneWaySeconds(long bytes) {
        return rttSeconds / 2 + transferSeconds(bytes);
    }

    public double transferSeconds(long bytes) {
        return bytes / bytesPerSecond;
    }
}
