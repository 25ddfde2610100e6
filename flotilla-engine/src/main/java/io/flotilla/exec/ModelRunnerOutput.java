package io.flotilla.exec;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What an {@link Executor} returns for a step: one {@link SequenceOutput} for every scheduled
 * sequence whose chunk reached its last known token ({@code ScheduledSequence.sample()}), keyed
 * by request id. Sequences in the middle of a chunked prompt produce nothing.
 */
public record ModelRunnerOutput(Map<String, SequenceOutput> outputs) {
    public static final ModelRunnerOutput EMPTY = new ModelRunnerOutput(Map.of());

    public ModelRunnerOutput {
        outputs = Map.copyOf(outputs);
    }

    public static ModelRunnerOutput of(Collection<SequenceOutput> outputs) {
        Map<String, SequenceOutput> map = new LinkedHashMap<>();
        for (SequenceOutput o : outputs) {
            if (map.put(o.requestId(), o) != null) {
                throw new IllegalArgumentException("two outputs for request " + o.requestId());
            }
        }
        return new ModelRunnerOutput(map);
    }

    /** The output of a request, or null. */
    public SequenceOutput get(String requestId) {
        return outputs.get(requestId);
    }
}
