package io.flotilla.train;

/** Receives progress from a {@link Trainer}; the CLI prints it, tests collect it. */
public interface TrainListener {

    TrainListener NONE = new TrainListener() {};

    default void onStep(TrainProgress progress) {}

    default void onEval(long step, double valLoss) {}

    default void onCheckpoint(long step, java.nio.file.Path file) {}
}
