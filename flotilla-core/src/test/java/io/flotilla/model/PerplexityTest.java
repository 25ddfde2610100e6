package io.flotilla.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.gguf.GgufFile;
import io.flotilla.kernel.Compute;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PerplexityTest {
    @TempDir
    Path tmp;

    @Test
    void scoresTheSecondHalfOfEachChunkStartedWithBos() throws Exception {
        RandomModels.Spec spec = RandomModels.Spec.of("llama");
        try (GgufFile f = GgufFile.open(RandomModels.write(spec, tmp.resolve("m.gguf"), 11));
             Compute compute = new Compute(1)) {
            Model model = Model.load(f, compute);
            int ctx = 10;
            int bos = 1;
            int[] tokens = new Random(4).ints(2 * ctx + 7, 0, spec.vocab()).toArray(); // the 7 left over are ignored
            // by hand, token by token: chunk c predicts tokens c*ctx + j + 1 for j in [ctx/2, ctx-1)
            double nll = 0;
            InferenceState s = model.newState(ctx);
            for (int c = 0; c < 2; c++) {
                s.reset();
                for (int j = 0; j < ctx - 1; j++) {
                    int token = j == 0 ? bos : tokens[c * ctx + j];
                    float[] logits = model.forward(s, new int[] {token}, 0, 1, false);
                    if (j >= ctx / 2) {
                        nll -= Perplexity.logProbability(logits, 0, spec.vocab(), tokens[c * ctx + j + 1]);
                    }
                }
            }
            Perplexity.Stats stats = Perplexity.measure(model, tokens, ctx, bos);
            assertThat(stats.chunks()).isEqualTo(2);
            assertThat(stats.scoredTokens()).isEqualTo(2 * (ctx - 1 - ctx / 2));
            assertThat(stats.meanNll()).isCloseTo(nll / stats.scoredTokens(), org.assertj.core.data.Offset.offset(1e-4));
            assertThat(stats.perplexity()).isEqualTo(Math.exp(stats.meanNll()));
        }
    }

    @Test
    void tooFewTokensForOneChunkIsRejected() throws Exception {
        try (GgufFile f = GgufFile.open(RandomModels.write(RandomModels.Spec.of("qwen2"), tmp.resolve("q.gguf"), 1));
             Compute compute = new Compute(1)) {
            Model model = Model.load(f, compute);
            assertThatThrownBy(() -> Perplexity.measure(model, new int[20], 32, 1))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("32").hasMessageContaining("20");
        }
    }
}
