package io.flotilla.train.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.train.data.Corpus;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrainBenchTest {

    @Test
    void theNonIidComparisonRunsEightClientsFourPerRoundAndOneClientAlone() {
        Map<String, TrainBench.Scenario> s = TrainBench.scenarios(List.of("fedavg-h50-4of8",
                "fedavg-nesterov-h50-4of8", "fedprox-0.1-h50-4of8", "local-1of8"));
        assertThat(s.keySet()).containsExactly("fedavg-h50-4of8", "fedavg-nesterov-h50-4of8", "fedprox-0.1-h50-4of8",
                "local-1of8");
        TrainBench.Scenario fedAvg = s.get("fedavg-h50-4of8");
        assertThat(fedAvg.workers()).isEqualTo(8);
        assertThat(fedAvg.dist().clientsPerRound()).isEqualTo(4);
        assertThat(fedAvg.dist().innerSteps()).isEqualTo(50);
        assertThat(fedAvg.dist().outerLr()).isEqualTo(1f);
        assertThat(fedAvg.dist().outerMomentum()).isZero();
        TrainBench.Scenario nesterov = s.get("fedavg-nesterov-h50-4of8");
        assertThat(nesterov.dist()).isEqualTo(fedAvg.dist().withOuterStep(0.7f, 0.7f));
        assertThat(s.get("fedprox-0.1-h50-4of8").dist().proxMu()).isEqualTo(0.1f);
        assertThat(s.get("local-1of8").workers()).isEqualTo(1);
        assertThat(s.get("local-1of8").ownShardOf()).isEqualTo(8);
    }

    @Test
    void theDiLoCoReadingOfTheNonIidBarRunsAllEightClientsInEveryRound() {
        Map<String, TrainBench.Scenario> s = TrainBench.scenarios(List.of("fedavg-h50-8of8", "fedavg-nesterov-h50-8of8",
                "fedavg-h10-8of8", "fedavg-nesterov-h10-8of8@1,0.5"));
        TrainBench.Scenario avg = s.get("fedavg-h50-8of8");
        assertThat(avg.workers()).isEqualTo(8);
        assertThat(avg.ownShardOf()).isZero();
        assertThat(avg.dist().mode()).isEqualTo(DistributedConfig.Mode.FEDAVG); // contiguous eighths
        assertThat(avg.dist().clientsPerRound()).isZero(); // all clients, every round
        assertThat(avg.dist().innerSteps()).isEqualTo(50);
        assertThat(avg.dist().outerLr()).isEqualTo(1f);
        assertThat(avg.dist().outerMomentum()).isZero();
        assertThat(s.get("fedavg-nesterov-h50-8of8").dist()).isEqualTo(avg.dist().withOuterStep(0.7f, 0.7f));
        assertThat(s.get("fedavg-h10-8of8").dist().innerSteps()).isEqualTo(10);
        assertThat(s.get("fedavg-nesterov-h10-8of8@1,0.5").dist())
                .isEqualTo(s.get("fedavg-h10-8of8").dist().withOuterStep(1f, 0.5f));
    }

    @Test
    void theSettingTakesAnotherSeedAndKeepsTheRecipe(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        var data = dir.resolve("text.txt");
        var reference = TrainBench.setting(data, dir, 800);
        var other = TrainBench.setting(data, dir, 800, 7L);
        assertThat(reference.seed()).isEqualTo(io.flotilla.train.TrainConfig.reference(data, dir).seed());
        assertThat(other.seed()).isEqualTo(7L);
        assertThat(other).isEqualTo(reference.withRun(7L, reference.threads(), reference.outDir(), reference.resume()));
        assertThat(other.batch()).isEqualTo(8);
        assertThat(other.warmup()).isEqualTo(100);
    }

    @Test
    void aClientAloneTrainsOnTheFirstEighthAndValidatesOnTheWholeSplit() {
        Corpus corpus = DataParallelTest.corpus();
        Corpus own = TrainBench.ownShard(corpus, 8);
        assertThat(own.train()).hasSize(corpus.train().length / 8)
                .containsExactly(java.util.Arrays.copyOf(corpus.train(), corpus.train().length / 8));
        assertThat(own.validation()).isSameAs(corpus.validation());
        assertThat(TrainBench.ownShard(corpus, 0)).isSameAs(corpus);
    }

    @Test
    void anUnknownScenarioNamesTheKnownOnes() {
        assertThatThrownBy(() -> TrainBench.scenarios(List.of("ddp-fp64")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ddp-fp64")
                .hasMessageContaining("fedavg-h50-4of8");
        assertThat(TrainBench.scenarios(List.of()).keySet()).containsExactlyElementsOf(TrainBench.DEFAULT);
    }

    @Test
    void aScenarioCanScaleItsInnerLearningRateSchedule() {
        var s = TrainBench.scenarios(List.of("diloco-h10-fp32@0.7,0.6,lrx2", "diloco-h10-fp32@0.7,0.6,sched,lrx0.5",
                "diloco-h10-fp32@0.7,0.6"));
        assertThat(s.get("diloco-h10-fp32@0.7,0.6,lrx2").innerLrScale()).isEqualTo(2f);
        assertThat(s.get("diloco-h10-fp32@0.7,0.6,sched,lrx0.5").innerLrScale()).isEqualTo(0.5f);
        assertThat(s.get("diloco-h10-fp32@0.7,0.6,sched,lrx0.5").dist().outerSchedule()).isTrue();
        assertThat(s.get("diloco-h10-fp32@0.7,0.6").innerLrScale()).isEqualTo(1f);
        assertThat(s.get("diloco-h10-fp32@0.7,0.6").dist().outerMomentumDecay()).isFalse();
        var decay = TrainBench.scenarios(List.of("diloco-h10-fp32@0.7,0.6,lrx1.5,mudecay"))
                .get("diloco-h10-fp32@0.7,0.6,lrx1.5,mudecay");
        assertThat(decay.dist()).isEqualTo(DistributedConfig.diloco(10, Compression.NONE).withOuterStep(0.7f, 0.6f)
                .withOuterMomentumDecay(true));
        assertThat(decay.innerLrScale()).isEqualTo(1.5f);
        assertThat(s.get("diloco-h10-fp32@0.7,0.6").dist().freshClients()).isFalse();
        var fresh = TrainBench.scenarios(List.of("fedavg-h50-4of8@1,0,fresh")).get("fedavg-h50-4of8@1,0,fresh");
        assertThat(fresh.dist()).isEqualTo(DistributedConfig.fedAvg(50, 4, 0f).withFreshClients(true));
        assertThat(fresh.workers()).isEqualTo(TrainBench.CLIENTS);
        assertThat(TrainBench.scenarios(List.of("fedavg-nesterov-h50-4of8@0.7,0.9,fresh"))
                .get("fedavg-nesterov-h50-4of8@0.7,0.9,fresh").dist()).isEqualTo(DistributedConfig.fedAvg(50, 4, 0f)
                .withOuterStep(0.7f, 0.9f).withFreshClients(true));
        assertThat(TrainBench.scenarios(List.of("fedavg-nesterov-h50-8of8@1,0.5,sched,mudecay,lrx2"))
                .get("fedavg-nesterov-h50-8of8@1,0.5,sched,mudecay,lrx2").dist().outerSchedule()).isTrue();
        var ddp = TrainBench.scenarios(List.of("ddp-fp32@lrx1.5")).get("ddp-fp32@lrx1.5");
        assertThat(ddp.innerLrScale()).isEqualTo(1.5f);
        assertThat(ddp.dist()).isEqualTo(DistributedConfig.ddp(Compression.NONE));
        assertThatThrownBy(() -> TrainBench.scenarios(List.of("diloco-h10-fp32@0.7,0.6,fast")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lrxF");
    }

    @Test
    void aScenarioTakesAnotherOuterStepAfterAnAt() {
        Map<String, TrainBench.Scenario> s = TrainBench.scenarios(List.of("diloco-h10-fp32",
                "diloco-h10-fp32@0.7,0.9", "fedavg-nesterov-h50-4of8@1,0.5,sched"));
        DistributedConfig diloco = s.get("diloco-h10-fp32").dist();
        assertThat(diloco.outerLr()).isEqualTo(0.7f);
        assertThat(diloco.outerMomentum()).isEqualTo(0.7f);
        assertThat(s.get("diloco-h10-fp32@0.7,0.9").dist()).isEqualTo(diloco.withOuterStep(0.7f, 0.9f));
        TrainBench.Scenario fed = s.get("fedavg-nesterov-h50-4of8@1,0.5,sched");
        assertThat(fed.workers()).isEqualTo(8);
        assertThat(fed.dist().outerSchedule()).isTrue();
        assertThat(fed.dist().outerMomentum()).isEqualTo(0.5f);
        assertThatThrownBy(() -> TrainBench.scenarios(List.of("ddp-fp32@1,0")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("@1,0");
    }
}
