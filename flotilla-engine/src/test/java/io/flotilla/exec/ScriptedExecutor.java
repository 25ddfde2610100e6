package io.flotilla.exec;

import io.flotilla.sched.ScheduledSequence;
import io.flotilla.sched.SchedulerOutput;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * An executor with no model: the "sampled" token of a sequence is a pure function of the
 * sequence's chunk (by default {@code 1000 + endPosition}), so recomputation after preemption
 * yields the same tokens. Records every plan it executes.
 */
public final class ScriptedExecutor implements Executor {
    private final ToIntFunction<ScheduledSequence> script;
    public final List<SchedulerOutput> plans = new ArrayList<>();

    public ScriptedExecutor(ToIntFunction<ScheduledSequence> script) {
        this.script = script;
    }

    public ScriptedExecutor() {
        this(ScriptedExecutor::positionToken);
    }

    /** The default script: the token that lands at position p is 1000 + p. */
    public static int positionToken(ScheduledSequence seq) {
        return 1000 + seq.endPosition();
    }

    /** A script that returns {@code eos} as output token number {@code index} (0-based) of request {@code id}. */
    public static ToIntFunction<ScheduledSequence> eosAt(String id, int index, int eos) {
        return seq -> seq.requestId().equals(id) && seq.endPosition() - seq.numPromptTokens() == index
                ? eos : positionToken(seq);
    }

    @Override
    public ModelRunnerOutput execute(SchedulerOutput step) {
        plans.add(step);
        List<SequenceOutput> outputs = new ArrayList<>();
        for (ScheduledSequence seq : step.sequences()) {
            if (!seq.sample()) {
                continue;
            }
            int token = script.applyAsInt(seq);
            List<TokenLogprobs> logprobs = seq.params().logprobs() == 0 ? List.of()
                    : List.of(new TokenLogprobs(token, -0.25f, new int[] {token, 7}, new float[] {-0.25f, -1.5f}));
            outputs.add(new SequenceOutput(seq.requestId(), new int[] {token}, logprobs));
        }
        return ModelRunnerOutput.of(outputs);
    }

    /** Tokens a request was scheduled for in plan {@code index}, 0 when absent. */
    public int scheduledTokens(int index, String requestId) {
        return plans.get(index).sequences().stream().filter(s -> s.requestId().equals(requestId))
                .mapToInt(ScheduledSequence::numTokens).sum();
    }
}
