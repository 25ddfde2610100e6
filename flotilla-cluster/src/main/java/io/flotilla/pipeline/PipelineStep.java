package io.flotilla.pipeline;

import io.flotilla.sched.ScheduledSequence;
import io.flotilla.sched.SchedulerOutput;
import io.flotilla.wire.Message;
import io.opentelemetry.api.trace.Span;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One engine step in flight through the pipeline: its sequences (each with the executor's state of
 * it, taken when the step was submitted), the micro-batches whose answers it awaits, the logits
 * received so far and the trace spans of its traced requests. A failure sends it again: {@link #reset}
 * forgets what the broken pipeline was asked and answered.
 */
final class PipelineStep {
    /** A scheduled chunk and the state of its sequence when the step was submitted. */
    record Part(ScheduledSequence chunk, PipelineSequence sequence) {
    }

    final SchedulerOutput step;
    final List<Part> parts;
    final int stepsInFlight; // steps the engine keeps in flight: a step is cut into stages / this micro-batches
    final Map<Long, List<ScheduledSequence>> expected = new HashMap<>(); // micro-batch id → its chunks
    final Map<Integer, float[]> logits = new HashMap<>(); // by sequence id
    final Map<String, Span> spans = new HashMap<>(); // by request id

    PipelineStep(SchedulerOutput step, List<Part> parts, int stepsInFlight) {
        this.step = step;
        this.parts = List.copyOf(parts);
        this.stepsInFlight = stepsInFlight;
    }

    boolean done() {
        return expected.isEmpty();
    }

    /** Takes the last stage's answer when it is to one of this step's micro-batches; false otherwise. */
    boolean accept(Message.Logits answer, PipelineTracing tracing) {
        List<ScheduledSequence> chunks = expected.remove(answer.requestId());
        if (chunks == null) {
            return false;
        }
        for (ScheduledSequence seq : chunks) {
            tracing.recordStages(spans.getOrDefault(seq.requestId(), Span.getInvalid()), answer.spans());
        }
        int vocab = answer.vocabSize();
        for (int i = 0; i < answer.sequenceIds().length; i++) {
            logits.put(answer.sequenceIds()[i], Arrays.copyOfRange(answer.values(), i * vocab, (i + 1) * vocab));
        }
        return true;
    }

    /** Forgets the micro-batches sent and their answers, and ends the spans, before the step is sent again. */
    void reset() {
        expected.clear();
        logits.clear();
        endSpans();
    }

    void endSpans() {
        spans.values().forEach(Span::end);
        spans.clear();
    }
}
