package io.flotilla.train;

import static org.assertj.core.api.Assertions.assertThat;

import de.kherud.llama.InferenceParameters;
import de.kherud.llama.ModelParameters;
import io.flotilla.gguf.GgufFile;
import io.flotilla.train.data.PieceTokenizer;
import io.flotilla.train.model.LlamaModel;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** llama.cpp (the correctness oracle) tokenizes and generates from our exported GGUF exactly as our own model does. */
class LlamaCppParityIT {

    @TempDir
    static Path dir;
    static Path text;
    static Trainer trained;
    static Path gguf;

    @BeforeAll
    static void train() throws Exception {
        text = TrainerTest.writeCorpus(dir.resolve("corpus.txt"));
        Path out = dir.resolve("run");
        trained = new Trainer(TrainerTest.tiny(text, out, 80).withModel(2, 4, 2, 32, 32), TrainListener.NONE);
        trained.run();
        gguf = out.resolve(Trainer.MODEL);
    }

    @Test
    void llamaCppTokenizesAndGeneratesLikeOurModel() {
        assertLlamaCppAgrees(trained, gguf, "the dog ran");
    }

    @Test
    void llamaCppRunsTheMixtureOfExpertsModelLikeOurs() throws Exception {
        Path out = dir.resolve("moe");
        Trainer moe = new Trainer(TrainerTest.tiny(text, out, 40).withModel(2, 4, 2, 32, 32).withExperts(4, 2)
                .withTokenizer("bpe:300"), TrainListener.NONE);
        moe.run();
        try (GgufFile file = GgufFile.open(out.resolve(Trainer.MODEL))) {
            assertThat(file.metadata().getInt("llama.expert_count")).isEqualTo(4);
            assertThat(file.metadata().getInt("llama.expert_used_count")).isEqualTo(2);
            assertThat(file.requireTensor("blk.1.ffn_gate_exps.weight").ne()).containsExactly(32, 96, 4);
            assertThat(file.requireTensor("blk.1.ffn_down_exps.weight").ne()).containsExactly(96, 32, 4);
            assertThat(file.requireTensor("blk.1.ffn_gate_inp.weight").ne()).containsExactly(32, 4);
        }
        assertLlamaCppAgrees(moe, out.resolve(Trainer.MODEL), "then the cat");
    }

    private static void assertLlamaCppAgrees(Trainer trainer, Path file, String prompt) {
        PieceTokenizer tokenizer = trainer.corpus().tokenizer();
        try (de.kherud.llama.LlamaModel llama = new de.kherud.llama.LlamaModel(
                new ModelParameters().setModel(file.toString()).setCtxSize(32).setThreads(1))) {
            assertThat(llama.encode(prompt)).isEqualTo(tokenizer.encode(prompt));
            assertThat(llama.encode("zebra é!")).isEqualTo(tokenizer.encode("zebra é!"));
            String theirs = llama.complete(new InferenceParameters(prompt).setNPredict(12).setTemperature(0f)
                    .setIgnoreEos(true).setCachePrompt(false));
            assertThat(theirs).hasSizeGreaterThan(6).isEqualTo(greedy(trainer.model(), tokenizer, prompt, 12));
        }
    }

    /** Greedy continuation with our own forward pass. */
    static String greedy(LlamaModel model, PieceTokenizer tokenizer, String prompt, int n) {
        int[] tokens = tokenizer.encode(prompt);
        int start = tokens.length;
        int vocab = model.config().vocab();
        for (int i = 0; i < n; i++) {
            int len = tokens.length;
            model.forward(tokens, new int[len], 1, len);
            float[] p = model.probabilities();
            int best = 0;
            for (int v = 1; v < vocab; v++) {
                if (p[(len - 1) * vocab + v] > p[(len - 1) * vocab + best]) {
                    best = v;
                }
            }
            tokens = Arrays.copyOf(tokens, len + 1);
            tokens[len] = best;
        }
        return tokenizer.decode(Arrays.copyOfRange(tokens, start, tokens.length));
    }
}
