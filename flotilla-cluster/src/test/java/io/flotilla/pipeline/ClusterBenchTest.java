package io.flotilla.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.placement.PlacementObjective;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ClusterBench} on a 6-layer synthetic model (one stage, and the memory split of the throttled
 * pair, to stay short): every setup runs and reports tokens/s, the throttled split gives both nodes
 * layers, and the processes are gone after.
 * Speeds are measured, not asserted (the machine is shared); the hop must stay under the 0.5 ms target.
 */
class ClusterBenchTest {
    @TempDir
    Path dir;

    @Test
    void everySetupRunsAndReportsTokensPerSecond() throws Exception {
        Path model = PipelineTest.writeSynthetic(dir);
        List<ClusterBenchStats.Run> seen = new ArrayList<>();
        long childrenBefore = ProcessHandle.current().children().count();
        ClusterBenchStats stats = ClusterBench.run(new ClusterBenchConfig(model, dir.resolve("logs"), 4, 3, 1, 3,
                0.8, List.of(PlacementObjective.MEMORY)), seen::add);

        assertThat(stats.hopMicros()).isPositive().isLessThan(500);
        assertThat(stats.runs()).isEqualTo(seen).hasSize(2 + 2 + 2);
        assertThat(stats.runs()).allSatisfy(run -> assertThat(run.tokensPerSecond()).isPositive());
        assertThat(stats.find("local", 1, 2, 1, "-", 8)).isNotNull();
        assertThat(stats.find("pipeline", 1, 1, 1, "memory", 8).stages()).hasSize(1);
        ClusterBenchStats.Run throttled = stats.find("pipeline", 2, 1, 3, "memory", 1);
        assertThat(throttled.stages()).hasSize(2).allSatisfy(stage -> assertThat(stage).contains("node-"));
        assertThat(ProcessHandle.current().children().count()).isEqualTo(childrenBefore);
    }

    @Test
    void eachStepInFlightIsOneMicroBatchAndAStepAloneIsCutInOnePerStage() {
        // one step in flight per stage: the step's sequences go as one batched micro-batch
        assertThat(PipelineExecutor.microBatches(4, 2, 2)).isEqualTo(1);
        assertThat(PipelineExecutor.microBatches(3, 3, 3)).isEqualTo(1);
        // a step run alone: one balanced micro-batch per stage, never more than sequences
        assertThat(PipelineExecutor.microBatches(8, 1, 1)).isEqualTo(1);
        assertThat(PipelineExecutor.microBatches(8, 2, 1)).isEqualTo(2);
        assertThat(PipelineExecutor.microBatches(20, 3, 1)).isEqualTo(3);
        assertThat(PipelineExecutor.microBatches(1, 3, 1)).isEqualTo(1);
        assertThat(PipelineExecutor.microBatches(0, 3, 1)).isZero();
        // fewer steps in flight than stages (a re-plan grew the pipeline): the rest as micro-batches
        assertThat(PipelineExecutor.microBatches(8, 4, 2)).isEqualTo(2);
    }
}
