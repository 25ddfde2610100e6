package io.flotilla.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.gguf.GgmlType;
import io.flotilla.gguf.GgufFile;
import io.flotilla.model.synth.SyntheticArch;
import io.flotilla.model.synth.SyntheticModel;
import io.flotilla.model.synth.SyntheticSpec;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TensorHashesTest {
    @TempDir
    Path dir;

    private Path write(String name, long seed) throws Exception {
        Path path = dir.resolve(name);
        SyntheticModel.write(new SyntheticSpec(SyntheticArch.LLAMA, 32, 3, 2, 1, 16, 64, 300, 64, 0, 0, 0, 0,
                10000f, GgmlType.F32, false, seed), path);
        return path;
    }

    @Test
    void versionFollowsContentAndStagesNameTheirTensors() throws Exception {
        try (GgufFile a = GgufFile.open(write("a.gguf", 1)); GgufFile same = GgufFile.open(write("same.gguf", 1));
             GgufFile other = GgufFile.open(write("other.gguf", 2))) {
            TensorHashes hashes = new TensorHashes(a);
            assertThat(hashes.modelVersion()).matches("sha256:[0-9a-f]{16}")
                    .isEqualTo(new TensorHashes(same).modelVersion())
                    .isNotEqualTo(new TensorHashes(other).modelVersion());
            assertThat(hashes.hash("blk.1.attn_q.weight")).hasSize(64)
                    .isNotEqualTo(new TensorHashes(other).hash("blk.1.attn_q.weight"));
            assertThat(hashes.stageTensors(0, 1, 3)).contains("token_embd.weight", "blk.0.attn_q.weight")
                    .noneMatch(n -> n.startsWith("blk.1.") || n.startsWith("output"));
            assertThat(hashes.stageTensors(1, 3, 3)).contains("blk.2.ffn_up.weight", "output.weight",
                    "output_norm.weight").doesNotContain("token_embd.weight", "blk.0.attn_q.weight");
        }
    }
}
