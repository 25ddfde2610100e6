package io.flotilla.parity;

import io.flotilla.gguf.GgmlType;
import io.flotilla.model.synth.SyntheticArch;
import io.flotilla.model.synth.SyntheticModel;
import io.flotilla.model.synth.SyntheticSpec;
import io.flotilla.testkit.SharedData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;

/** The models and text the parity tests share. */
final class ParityModels {
    /** Architectures the reference llama.cpp (de.kherud:llama 4.2.0, mid-2025) loads. */
    static final Set<SyntheticArch> REFERENCE_LOADS =
            EnumSet.of(SyntheticArch.LLAMA, SyntheticArch.LLAMA_MOE, SyntheticArch.QWEN2, SyntheticArch.QWEN2_MOE);

    /** Every type whose greedy paths are fragile at near-ties: BF16 and the quantized ones. */
    static final GgmlType[] QUANTIZED = {GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1,
        GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K};

    private ParityModels() {}

    /** A tiny random model; K-quants need rows of 256, so those models are 256 wide. */
    static Path write(SyntheticArch arch, GgmlType type, boolean tied, Path dir) throws IOException {
        SyntheticSpec base = SyntheticSpec.tiny(arch);
        if (type.blockSize() == 256) {
            base = new SyntheticSpec(arch, 256, 2, 4, 2, 64, 512, 512, 256, 4, 2, 256, 256, 10000f, type, false, 1);
        }
        SyntheticSpec spec = base.withType(type).withTiedOutput(tied && !arch.moe());
        Path file = dir.resolve(arch + "-" + type + (spec.tiedOutput() ? "-tied" : "") + ".gguf");
        SyntheticModel.write(spec, file);
        return file;
    }

    /** The first {@code chars} characters of the cased TinyStories sample. */
    static String text(int chars) throws IOException {
        String all = Files.readString(SharedData.file("corpora/tinystories-200k.txt"), StandardCharsets.UTF_8);
        return all.substring(0, Math.min(chars, all.length()));
    }
}
