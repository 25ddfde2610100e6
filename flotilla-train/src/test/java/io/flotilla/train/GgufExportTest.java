package io.flotilla.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.gguf.GgmlType;
import io.flotilla.gguf.GgufFile;
import io.flotilla.gguf.GgufMetadata;
import io.flotilla.gguf.GgufTensorInfo;
import io.flotilla.train.model.LlamaModel;
import io.flotilla.train.model.ParameterLayout;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The exported GGUF reads back through Flotilla's reader with llama metadata and the parameters as they are. */
class GgufExportTest {

    @TempDir
    static Path dir;
    static Path text;
    static Trainer trained;
    static Path gguf;

    @BeforeAll
    static void train() throws Exception {
        text = TrainerTest.writeCorpus(dir.resolve("corpus.txt"));
        Path out = dir.resolve("run");
        trained = new Trainer(TrainerTest.tiny(text, out, 10).withModel(2, 4, 2, 32, 32), TrainListener.NONE);
        trained.run();
        gguf = out.resolve(Trainer.MODEL);
    }

    @Test
    void readsBackWithLlamaMetadataAndTheParametersAsTheyAre() throws Exception {
        LlamaModel model = trained.model();
        try (GgufFile file = GgufFile.open(gguf)) {
            GgufMetadata md = file.metadata();
            assertThat(md.getString("general.architecture")).isEqualTo("llama");
            assertThat(md.getInt("llama.block_count")).isEqualTo(2);
            assertThat(md.getInt("llama.embedding_length")).isEqualTo(32);
            assertThat(md.getInt("llama.attention.head_count")).isEqualTo(4);
            assertThat(md.getInt("llama.attention.head_count_kv")).isEqualTo(2);
            assertThat(md.getInt("llama.context_length")).isEqualTo(32);
            assertThat(md.getInt("llama.rope.dimension_count")).isEqualTo(8);
            assertThat(md.getInt("llama.feed_forward_length")).isEqualTo(model.config().ffnHidden());
            assertThat(md.getString("tokenizer.ggml.model")).isEqualTo("llama");
            assertThat(file.tensors()).hasSize(model.layout().slots().size());
            for (ParameterLayout.Slot s : model.layout().slots()) {
                GgufTensorInfo t = file.requireTensor(s.name());
                assertThat(t.type()).isEqualTo(GgmlType.F32);
                assertThat(t.ne()).isEqualTo(s.ne());
                float[] data = file.data(t).toArray(ValueLayout.JAVA_FLOAT_UNALIGNED);
                assertThat(data).isEqualTo(Arrays.copyOfRange(model.params(), s.offset(), s.offset() + s.size()));
            }
        }
    }
}
