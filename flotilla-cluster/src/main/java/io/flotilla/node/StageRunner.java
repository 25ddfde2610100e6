package io.flotilla.node;

import io.flotilla.model.InferenceState;
import io.flotilla.model.ModelStage;
import io.flotilla.wire.ErrorCode;
import io.flotilla.wire.FloatFormat;
import io.flotilla.wire.Message;
import java.util.HashMap;
import java.util.Map;

/**
 * One node's share of a pipeline: runs its {@link ModelStage} on the rows of each incoming batch,
 * keeping one {@link InferenceState} (the KV of its layers) per sequence, and returns what goes to
 * the next hop: hidden states, or on the last stage the logits of each sequence's last row.
 *
 * <p>Rows of one sequence are contiguous and at consecutive positions; a run starting at position 0
 * starts the sequence afresh, any other run must continue where its state is.
 */
final class StageRunner {
    private final ModelStage stage;
    private final int dim;
    private final int vocab;
    private final int contextLength;
    private final Map<Integer, InferenceState> states = new HashMap<>();

    StageRunner(ModelStage stage, int dim, int vocab, int contextLength) {
        this.stage = stage;
        this.dim = dim;
        this.vocab = vocab;
        this.contextLength = contextLength;
    }

    ModelStage stage() {
        return stage;
    }

    int sequences() {
        return states.size();
    }

    /** The message for the next hop, or an ERROR naming what was wrong with {@code in}. */
    Message process(Message in) {
        try {
            return switch (in) {
                case Message.TokenBatch m -> run(m.requestId(), m.microBatchId(), m.sequenceIds(), m.positions(),
                        m.tokens(), null);
                case Message.Activation m -> run(m.requestId(), m.microBatchId(), m.sequenceIds(), m.positions(),
                        null, m.values());
                case Message.Release m -> release(m);
                case Message.Error m -> m;
                default -> new Message.Error(0, ErrorCode.BAD_REQUEST, "stage [" + stage.firstLayer() + ", "
                        + stage.lastLayer() + ") cannot run a " + in.type() + " message");
            };
        } catch (IllegalArgumentException | IllegalStateException e) {
            long id = in instanceof Message.TokenBatch t ? t.requestId()
                    : in instanceof Message.Activation a ? a.requestId() : 0;
            return new Message.Error(id, ErrorCode.BAD_REQUEST, "stage [" + stage.firstLayer() + ", "
                    + stage.lastLayer() + "): " + e.getMessage());
        }
    }

    private Message release(Message.Release m) {
        for (int id : m.sequenceIds()) {
            states.remove(id);
        }
        return m;
    }

    /** Runs each sequence's rows; {@code tokens} on the first stage, else {@code hidden} rows of dim floats. */
    private Message run(long requestId, int microBatch, int[] sequenceIds, int[] positions, int[] tokens,
                        float[] hidden) {
        if (stage.isFirst() != (tokens != null)) {
            throw new IllegalArgumentException(stage.isFirst() ? "the first stage takes tokens, got hidden states"
                    : "a middle stage takes hidden states, got tokens");
        }
        int rows = sequenceIds.length;
        int groups = countGroups(sequenceIds);
        int[] groupIds = new int[groups];
        float[] out = stage.isLast() ? new float[groups * vocab] : new float[rows * dim];
        int g = 0;
        for (int r0 = 0; r0 < rows; g++) {
            int r1 = r0;
            while (r1 < rows && sequenceIds[r1] == sequenceIds[r0]) {
                r1++;
            }
            int n = r1 - r0;
            InferenceState state = stateFor(sequenceIds[r0], positions, r0, n);
            float[] buffer = new float[n * dim];
            if (tokens != null) {
                stage.embed(tokens, r0, n, buffer);
            } else {
                System.arraycopy(hidden, r0 * dim, buffer, 0, n * dim);
            }
            stage.forward(state, buffer, n);
            if (stage.isLast()) {
                System.arraycopy(stage.logits(state, buffer, n, false), 0, out, g * vocab, vocab);
            } else {
                System.arraycopy(buffer, 0, out, r0 * dim, n * dim);
            }
            groupIds[g] = sequenceIds[r0];
            r0 = r1;
        }
        return stage.isLast()
                ? new Message.Logits(requestId, microBatch, groupIds, vocab, FloatFormat.F32, out)
                : new Message.Activation(requestId, microBatch, sequenceIds, positions, dim, FloatFormat.F32, out);
    }

    private InferenceState stateFor(int sequence, int[] positions, int r0, int n) {
        for (int i = 1; i < n; i++) {
            if (positions[r0 + i] != positions[r0] + i) {
                throw new IllegalArgumentException("sequence " + sequence + ": positions " + positions[r0 + i - 1]
                        + " then " + positions[r0 + i] + " are not consecutive");
            }
        }
        InferenceState state = states.get(sequence);
        if (positions[r0] == 0) {
            if (state == null) {
                state = stage.newState(contextLength);
                states.put(sequence, state);
            }
            state.reset();
        } else if (state == null || state.position() != positions[r0]) {
            throw new IllegalStateException("sequence " + sequence + " continues at position " + positions[r0]
                    + " but this stage holds " + (state == null ? "no state" : state.position() + " positions"));
        }
        return state;
    }

    private static int countGroups(int[] sequenceIds) {
        int groups = 0;
        for (int i = 0; i < sequenceIds.length; i++) {
            if (i == 0 || sequenceIds[i] != sequenceIds[i - 1]) {
                groups++;
            }
        }
        return groups;
    }
}
