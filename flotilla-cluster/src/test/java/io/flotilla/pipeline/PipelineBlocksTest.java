package io.flotilla.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Which blocks the current stages hold, and the tokens of a cached prefix, without any node. */
class PipelineBlocksTest {

    @Test
    void blocksWrittenUnderAPlanAreCurrentOnlyForThatPlan() {
        PipelineBlocks blocks = new PipelineBlocks(8, 4);
        int[] table = {5, 2, 7};
        blocks.written(table, 0, new int[] {10, 11, 12, 13, 14, 15}, 0, 6, 1, 0, false);
        assertThat(blocks.current(table, 6, 1, 0)).isTrue();
        assertThat(blocks.current(table, 6, 2, 0)).as("a new plan's stages start empty").isFalse();
        assertThat(blocks.current(table, 9, 1, 0)).as("block 7 was never written").isFalse();
        assertThat(blocks.current(table, 0, 2, 0)).as("nothing before position 0").isTrue();
    }

    @Test
    void aReplayAddsAReplicaAndNewContentLeavesOnlyTheWriter() {
        PipelineBlocks blocks = new PipelineBlocks(8, 4);
        int[] table = {5};
        blocks.written(table, 0, new int[] {1, 2, 3, 4}, 0, 4, 1, 0, false);
        assertThat(blocks.current(table, 4, 1, 1)).as("replica 1 has its own stores").isFalse();
        blocks.written(table, 0, new int[] {1, 2, 3, 4}, 0, 4, 1, 1, true);
        assertThat(blocks.current(table, 4, 1, 0)).isTrue();
        assertThat(blocks.current(table, 4, 1, 1)).isTrue();
        blocks.written(table, 0, new int[] {9, 9}, 0, 2, 1, 1, false); // the block's next owner, on replica 1
        assertThat(blocks.current(table, 2, 1, 0)).isFalse();
        assertThat(blocks.current(table, 2, 1, 1)).isTrue();
    }

    @Test
    void aCachedPrefixIsReadBackThroughTheTableOfTheRequestThatReusesIt() {
        PipelineBlocks blocks = new PipelineBlocks(8, 4);
        blocks.written(new int[] {3, 6}, 0, new int[] {1, 2, 3, 4, 5, 6, 7, 8}, 0, 8, 1, 0, false);
        blocks.written(new int[] {0}, 0, new int[] {9, 9, 9, 9}, 0, 4, 1, 0, false); // another request's block
        assertThat(blocks.prefix(new int[] {3, 6, 1}, 8)).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
        assertThat(blocks.prefix(new int[] {3, 0}, 6)).containsExactly(1, 2, 3, 4, 9, 9);
    }

    @Test
    void writesFromAnOffsetLandAtTheirPositions() {
        PipelineBlocks blocks = new PipelineBlocks(4, 2);
        int[] table = {1, 3};
        blocks.written(table, 0, new int[] {7, 8}, 0, 2, 4, 0, false);
        blocks.written(table, 2, new int[] {0, 0, 21, 22}, 2, 2, 5, 0, false);
        assertThat(blocks.prefix(table, 4)).containsExactly(7, 8, 21, 22);
        assertThat(blocks.current(table, 4, 5, 0)).isFalse();
        assertThat(blocks.current(new int[] {3}, 2, 5, 0)).isTrue();
    }

    @Test
    void emptyGeometryIsRefusedWithTheNumbers() {
        assertThatThrownBy(() -> new PipelineBlocks(0, 16)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("got 0 and 16");
    }
}
