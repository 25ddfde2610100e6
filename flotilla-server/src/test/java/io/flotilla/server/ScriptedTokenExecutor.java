package io.flotilla.server;

import io.flotilla.exec.Executor;
import io.flotilla.exec.ModelRunnerOutput;
import io.flotilla.exec.SequenceOutput;
import io.flotilla.sched.ScheduledSequence;
import io.flotilla.sched.SchedulerOutput;
import java.util.ArrayList;
import java.util.List;

/**
 * A test executor that samples a script of tokens for every sequence (its n-th output token is
 * {@code script[n % script.length]}), taking {@code stepMillis} per step.
 */
final class ScriptedTokenExecutor implements Executor {
    private final int[] script;
    private final long stepMillis;

    ScriptedTokenExecutor(int token, long stepMillis) {
        this(new int[] {token}, stepMillis);
    }

    ScriptedTokenExecutor(int[] script, long stepMillis) {
        this.script = script.clone();
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
                out.add(SequenceOutput.of(s.requestId(), script[(s.endPosition() - s.numPromptTokens()) % script.length]));
            }
        }
        return ModelRunnerOutput.of(out);
    }
}
