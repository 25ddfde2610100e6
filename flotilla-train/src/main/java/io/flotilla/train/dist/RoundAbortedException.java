package io.flotilla.train.dist;

import java.io.IOException;

/** A federated round had fewer surviving clients than its threshold: nothing was unmasked or applied. */
public final class RoundAbortedException extends IOException {

    private final long round;

    public RoundAbortedException(long round, String message) {
        super("round " + round + " aborted: " + message);
        this.round = round;
    }

    public long round() {
        return round;
    }
}
