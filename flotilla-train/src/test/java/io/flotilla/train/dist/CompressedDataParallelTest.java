package io.flotilla.train.dist;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.train.TrainConfig;
import io.flotilla.train.TrainListener;
import io.flotilla.train.data.Corpus;
import java.nio.file.Path;
import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompressedDataParallelTest {

    static final int K = 2;
    static final int STEPS = 16;
    @TempDir
    static Path dir;
    static Corpus corpus;
    static TrainConfig config;
    static DistributedStats fp32;
    static int n;

    @BeforeAll
    static void baseline() throws Exception {
        corpus = DataParallelTest.corpus();
        config = DataParallelTest.tiny(dir, 4, STEPS);
        LocalCluster.Result r = LocalCluster.run(config, DistributedConfig.ddp(Compression.NONE), K, corpus,
                TrainListener.NONE);
        fp32 = r.workers().get(0);
        n = r.params().length;
    }

    static DistributedStats run(String compression, int denseWarmup) throws Exception {
        LocalCluster.Result r = LocalCluster.run(config, DistributedConfig.ddp(Compression.parse(compression))
                .withDenseWarmup(denseWarmup), K, corpus, TrainListener.NONE);
        assertThat(r.workers()).extracting(DistributedStats::parametersHash).containsOnly(
                r.workers().get(0).parametersHash());
        return r.workers().get(0);
    }

    @Test
    void int8BlocksSendAQuarterOfTheBytesAndTrainAlike() throws Exception {
        DistributedStats int8 = run("int8", 0);
        assertThat(int8.reductionVersusDdp(K, n)).isBetween(3.8, 4.0);
        assertThat(fp32.reductionVersusDdp(K, n)).isBetween(0.99, 1.0);
        assertThat(int8.valLoss()).isCloseTo(fp32.valLoss(), Percentage.withPercentage(1));
    }

    @Test
    void bf16SendsHalf() throws Exception {
        DistributedStats bf16 = run("bf16", 0);
        assertThat(bf16.reductionVersusDdp(K, n)).isBetween(1.98, 2.0);
        assertThat(bf16.valLoss()).isCloseTo(fp32.valLoss(), Percentage.withPercentage(1));
    }

    @Test
    void topKSendsValuesAndIndicesAfterADenseWarmUp() throws Exception {
        DistributedStats topk = run("topk:0.1", 4);
        int k = new TopKCompressor(0.1).k(n);
        // 4 dense steps (ring fp32), then 12 sparse all-gathers of k (index, value) pairs, plus hash checks
        double expected = 4 * (2.0 * (K - 1) / K * 4 * n) + (STEPS - 4) * (K - 1) * 8.0 * k + 32 * (K - 1);
        assertThat((double) topk.bytes().payloadBytes()).isCloseTo(expected, org.assertj.core.data.Offset.offset(64.0));
        assertThat(topk.valLoss()).isLessThan(Math.log(corpus.tokenizer().vocabSize()));
    }
}
