package io.flotilla.train.dist;

import io.flotilla.train.TrainListener;

/** A {@link TrainListener} that also hears how each FedAvg round ended (clients, drops, ε spent). */
public interface RoundListener extends TrainListener {

    void onRound(RoundStats round);

    /** Hands {@code round} to {@code listener} if it listens for rounds. */
    static void notify(TrainListener listener, RoundStats round) {
        if (listener instanceof RoundListener r) {
            r.onRound(round);
        }
    }
}
