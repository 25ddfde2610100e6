package io.flotilla.train.dist;

import io.flotilla.train.TrainListener;

/**
 * A {@link TrainListener} that also hears how each FedAvg round ended (clients, drops, ε spent) and
 * what each DiLoCo/FedAvg outer step did (worker 0's view).
 */
public interface RoundListener extends TrainListener {

    default void onRound(RoundStats round) {}

    default void onOuterStep(OuterStepStats step) {}

    /** Hands {@code round} to {@code listener} if it listens for rounds. */
    static void notify(TrainListener listener, RoundStats round) {
        if (listener instanceof RoundListener r) {
            r.onRound(round);
        }
    }

    /** Hands {@code step} to {@code listener} if it listens for rounds. */
    static void notify(TrainListener listener, OuterStepStats step) {
        if (listener instanceof RoundListener r) {
            r.onOuterStep(step);
        }
    }
}
