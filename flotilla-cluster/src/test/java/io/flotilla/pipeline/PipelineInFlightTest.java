package io.flotilla.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.engine.EngineCore;
import io.flotilla.engine.FinishReason;
import io.flotilla.engine.Request;
import io.flotilla.engine.RequestOutput;
import io.flotilla.engine.SamplingParams;
import io.flotilla.exec.Executor;
import io.flotilla.exec.LocalExecutor;
import io.flotilla.exec.ModelRunnerOutput;
import io.flotilla.gguf.GgufFile;
import io.flotilla.kernel.Compute;
import io.flotilla.model.Model;
import io.flotilla.sched.SchedulerOutput;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two steps in flight on a two-stage pipeline of node processes: each holds its own half of the
 * sequences, the tokens are the single-node ones, a stage killed while steps are in flight is
 * replayed and every request completes with the same tokens, and a request aborted while its step is
 * in flight ends once while the others are unaffected.
 */
class PipelineInFlightTest {
    private static final int[][] PROMPTS = {{1, 15, 200, 37, 99, 4}, {1, 250, 3}, {7, 8, 9, 10}, {42, 17}};
    private static final int TOKENS = 10;

    @TempDir
    static Path dir;
    static Path synthetic;
    static List<List<Integer>> reference;

    private ClusterFixture cluster;

    @BeforeAll
    static void models() throws IOException {
        synthetic = PipelineTest.writeSynthetic(dir);
        try (GgufFile file = GgufFile.open(synthetic); Compute compute = new Compute(1)) {
            reference = ClusterFixture.generate(new LocalExecutor(Model.load(file, compute), ClusterFixture.CONTEXT),
                    PROMPTS, TOKENS, step -> { });
        }
    }

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** Passes everything to a {@link PipelineExecutor}, watching which steps are in flight. */
    private static final class Watched implements Executor {
        final PipelineExecutor executor;
        final ArrayDeque<SchedulerOutput> inFlight = new ArrayDeque<>();
        final List<String> shared = new ArrayList<>();
        int maxInFlight;

        Watched(PipelineExecutor executor) {
            this.executor = executor;
        }

        @Override
        public ModelRunnerOutput execute(SchedulerOutput step) {
            return executor.execute(step);
        }

        @Override
        public int maxStepsInFlight() {
            return executor.maxStepsInFlight();
        }

        @Override
        public void submit(SchedulerOutput step) {
            Set<String> busy = inFlightIds();
            step.sequences().stream().filter(seq -> busy.contains(seq.requestId()))
                    .forEach(seq -> shared.add(seq.requestId()));
            executor.submit(step);
            inFlight.add(step);
            maxInFlight = Math.max(maxInFlight, inFlight.size());
        }

        @Override
        public ModelRunnerOutput awaitOldest() {
            inFlight.poll();
            return executor.awaitOldest();
        }

        Set<String> inFlightIds() {
            Set<String> ids = new HashSet<>();
            inFlight.forEach(s -> s.sequences().forEach(seq -> ids.add(seq.requestId())));
            return ids;
        }
    }

    private Watched start(int nodes, int serving) throws Exception {
        cluster = new ClusterFixture(synthetic, dir);
        Coordinator coordinator = cluster.startCoordinator(nodes);
        long limit = PipelineTest.limitFor(synthetic, serving);
        for (int i = 0; i < nodes; i++) {
            cluster.startNode("node-" + i, limit);
        }
        return new Watched(new PipelineExecutor(coordinator, ClusterFixture.engineConfig(), Duration.ofSeconds(60),
                Duration.ofSeconds(20)));
    }

    @Test
    void twoStagesKeepTwoStepsOfDisjointSequencesInFlightAndGiveTheSingleNodeTokens() throws Exception {
        Watched watched = start(2, 2);
        List<List<Integer>> got = ClusterFixture.generate(watched, PROMPTS, TOKENS, step -> { });

        assertThat(cluster.coordinator.status().stages()).hasSize(2);
        assertThat(watched.executor.maxStepsInFlight()).isEqualTo(2);
        assertThat(watched.maxInFlight).isEqualTo(2);
        assertThat(watched.shared).isEmpty();
        assertThat(got).isEqualTo(reference);
    }

    @Test
    void aStageKilledWithStepsInFlightIsReplayedAndEveryRequestCompletes() throws Exception {
        Watched watched = start(3, 2); // two nodes serve, the third stands by
        String[] victim = {null};
        int[] inFlightAtKill = {0};
        List<List<Integer>> got = ClusterFixture.generate(watched, PROMPTS, TOKENS, step -> {
            if (step == 5) { // the next step submits one more before it awaits: two in flight meet the break
                victim[0] = cluster.coordinator.status().stages().getLast();
                inFlightAtKill[0] = watched.inFlight.size();
                cluster.processes.get(victim[0]).destroyForcibly(); // SIGKILL
            }
        });

        assertThat(inFlightAtKill[0]).isEqualTo(1);
        assertThat(watched.shared).isEmpty();
        assertThat(got).isEqualTo(reference);
        assertThat(watched.executor.replays()).isPositive();
        assertThat(cluster.coordinator.status().stages()).doesNotContain(victim[0]);
    }

    @Test
    void aRequestAbortedWhileItsStepIsInFlightEndsOnceAndTheOthersAreUnchanged() throws Exception {
        Watched watched = start(2, 2);
        EngineCore engine = new EngineCore(ClusterFixture.engineConfig(), watched);
        List<List<RequestOutput>> outputs = new ArrayList<>();
        for (int i = 0; i < PROMPTS.length; i++) {
            List<RequestOutput> mine = new ArrayList<>();
            outputs.add(mine);
            engine.addRequest(new Request("r" + i, PROMPTS[i], SamplingParams.greedy(TOKENS).withIgnoreEos(true),
                    "t", engine.now()), mine::add);
        }
        String aborted = null;
        for (int step = 0; step < 1_000 && engine.hasWork(); step++) {
            engine.step();
            if (step == 4) {
                aborted = watched.inFlightIds().iterator().next();
                engine.abort(aborted);
            }
        }

        assertThat(aborted).isNotNull();
        for (int i = 0; i < PROMPTS.length; i++) {
            List<RequestOutput> mine = outputs.get(i);
            List<Integer> tokens = mine.stream().flatMap(o -> java.util.Arrays.stream(o.newTokenIds()).boxed()).toList();
            assertThat(mine.stream().filter(RequestOutput::finished)).hasSize(1);
            if (("r" + i).equals(aborted)) {
                assertThat(mine.getLast().finishReason()).isEqualTo(FinishReason.ABORT);
                assertThat(reference.get(i)).startsWith(tokens.toArray(Integer[]::new));
            } else {
                assertThat(mine.getLast().finishReason()).isEqualTo(FinishReason.LENGTH);
                assertThat(tokens).isEqualTo(reference.get(i));
            }
        }
        assertThat(engine.stats().kvCache().usedBlocks()).isZero();
    }
}
