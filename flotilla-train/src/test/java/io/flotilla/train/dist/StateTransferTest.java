package io.flotilla.train.dist;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.collective.ChunkCodec;
import io.flotilla.collective.Collective;
import io.flotilla.collective.CollectiveStats;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class StateTransferTest {

    private static final StateTransfer.GlobalState GLOBAL =
            new StateTransfer.GlobalState(30, new float[] {1f, -2f, 3f}, new float[] {0.1f, 0.2f, -0.3f});

    /** Worker r's own inner AdamW state: the two members' differ, as workers' moments do. */
    private static StateTransfer.InnerState inner(int rank) {
        return new StateTransfer.InnerState(20 + rank, new float[] {rank, 0.5f, -rank},
                new float[] {0.01f * (rank + 1), 0.02f, 0.03f});
    }

    @Test
    void aJoinerReceivesTheGlobalStateAndTheSendersInnerStateVerifiedByHash() throws Exception {
        List<Object> outcomes;
        try (Rings rings = new Rings()) {
            outcomes = rings.run(3, (rank, ring) -> rank == 2
                    ? StateTransfer.share(ring, null, null, true)
                    : StateTransfer.share(ring, GLOBAL, inner(rank), false));
        }
        assertThat(outcomes).allMatch(o -> o instanceof StateTransfer.Outcome, "every worker completes");
        StateTransfer.Outcome joiner = (StateTransfer.Outcome) outcomes.get(2);
        assertThat(joiner.state().step()).isEqualTo(30);
        assertThat(joiner.state().params()).containsExactly(GLOBAL.params());
        assertThat(joiner.state().momentum()).containsExactly(GLOBAL.momentum());
        // the sender is the lowest-ranked member: the joiner continues from worker 0's moments and update count
        assertThat(joiner.inner().step()).isEqualTo(20);
        assertThat(joiner.inner().firstMoment()).containsExactly(inner(0).firstMoment());
        assertThat(joiner.inner().secondMoment()).containsExactly(inner(0).secondMoment());
        // members keep their own inner state; everybody announced the same global-state hash
        assertThat(((StateTransfer.Outcome) outcomes.get(1)).inner().step()).isEqualTo(21);
        assertThat(joiner.hashes()).hasSize(3).containsOnly(joiner.hashes().get(0));
    }

    @Test
    void aJoinerRejectsInnerMomentsThatDoNotHashToWhatTheSenderAnnounced() throws Exception {
        List<Object> outcomes;
        try (Rings rings = new Rings()) {
            outcomes = rings.run(3, (rank, ring) -> rank == 2
                    ? StateTransfer.share(new FlipLastByteOfPayload(ring), null, null, true)
                    : StateTransfer.share(ring, GLOBAL, inner(rank), false));
        }
        assertThat(outcomes.get(2)).isInstanceOf(IllegalStateException.class);
        assertThat(((Exception) outcomes.get(2)).getMessage()).contains("inner optimizer state received from worker 0");
    }

    @Test
    void theInnerStateRoundTripsAndRejectsAWrongLength() {
        StateTransfer.InnerState s = inner(1);
        byte[] bytes = s.encode();
        StateTransfer.InnerState back = StateTransfer.InnerState.decode(bytes, 0);
        assertThat(back.step()).isEqualTo(21);
        assertThat(back.firstMoment()).containsExactly(s.firstMoment());
        assertThat(back.secondMoment()).containsExactly(s.secondMoment());
        assertThat(back.digest()).isEqualTo(s.digest());
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> StateTransfer.InnerState.decode(java.util.Arrays.copyOf(bytes, bytes.length - 4), 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected 36");
    }

    /** A joiner's link that corrupts the last byte (the inner state's last moment) of the state it receives. */
    private record FlipLastByteOfPayload(Collective inner) implements Collective {

        @Override
        public byte[][] allGather(byte[] mine) throws IOException {
            byte[][] all = inner.allGather(mine);
            if (all[0].length > 64) { // the sender's payload, not a flag or a hash pair
                all[0][all[0].length - 1] ^= 1;
            }
            return all;
        }

        @Override
        public int rank() {
            return inner.rank();
        }

        @Override
        public int size() {
            return inner.size();
        }

        @Override
        public void allReduceSum(float[] data, ChunkCodec codec) throws IOException {
            inner.allReduceSum(data, codec);
        }

        @Override
        public CollectiveStats stats() {
            return inner.stats();
        }

        @Override
        public void close() {
            inner.close();
        }
    }
}
