package io.flotilla.cli;

import io.flotilla.train.TrainListener;
import io.flotilla.train.TrainProgress;
import io.flotilla.train.dist.RoundListener;
import io.flotilla.train.dist.RoundStats;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;

/** Passes steps on to the progress bar's listener and shows each FedAvg round's clients and ε spent. */
final class FederatedProgress implements RoundListener {

    private final TrainListener steps;
    private final ProgressBar bar;
    private volatile String last = "";
    private volatile double epsilon;
    private volatile long aborted;

    FederatedProgress(TrainListener steps, ProgressBar bar) {
        this.steps = steps;
        this.bar = bar;
    }

    @Override
    public void onStep(TrainProgress progress) {
        steps.onStep(progress);
        if (!last.isEmpty()) {
            bar.setExtraMessage(bar.getExtraMessage() + ";" + last);
        }
    }

    @Override
    public void onEval(long step, double valLoss) {
        steps.onEval(step, valLoss);
    }

    @Override
    public void onRound(RoundStats round) {
        epsilon = round.epsilon();
        aborted += round.aborted() ? 1 : 0;
        last = round.aborted()
                ? String.format(Locale.ROOT, " round %d aborted (too few clients)", round.round())
                : String.format(Locale.ROOT, " round %d: %d clients%s, eps %.3f", round.round(), round.clients(),
                        round.dropped() > 0 ? " (" + round.dropped() + " dropped)" : "", round.epsilon());
    }

    /** ε spent after the last round (0 without noise). */
    double epsilon() {
        return epsilon;
    }

    /** Rounds that aborted below the secure-aggregation threshold. */
    long aborted() {
        return aborted;
    }
}
