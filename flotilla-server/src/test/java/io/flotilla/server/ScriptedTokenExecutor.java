package io.flotilla.server;

import io.flotilla.exec.Executor;
import io.flotilla.exec.ModelRunnerOutput;
import io.flotilla.exec.SequenceOutput;
import io.flotilla.sched.ScheduledSequence;
import io.flotilla.sched.SchedulerOutput;
import java.util.ArrayList;
import java.util.List;

/** A test executor that samples the same token for every sequence, taking {@code stepMillis} per step. */
final class ScriptedTokenExecutor implements Executor {
    private final int token;
    private final long stepMillis;

    ScriptedTokenExecutor(int token, long stepMillis) {
        this.token = token;
        this.stepMillis = stepMillis;
    }

    @Override
    public ModelRunnerOutput execute(SchedulerOutput step) {
        if (!step.sequences().isEmpty()) {
            try {
                Thread.sleep(stepMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        List<SequenceOutput> out = new ArrayList<>();
        for (ScheduledSequence s : step.sequences()) {
            if (s.sample()) {
                out.add(SequenceOutput.of(s.requestId(), token));
            }
        }
        return ModelRunnerOutput.of(out);
    }
}
