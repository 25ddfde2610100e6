package io.flotilla.model;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The model architectures Flotilla can run, by their GGUF name ({@code general.architecture}).
 * Each has one class in {@code io.flotilla.model.arch}. A {@code llama} file with experts is
 * Mixtral-style MoE.
 */
public enum Architecture {
    LLAMA("llama", RopeType.NORMAL),
    QWEN2("qwen2", RopeType.NEOX),
    QWEN2MOE("qwen2moe", RopeType.NEOX),
    QWEN3("qwen3", RopeType.NEOX),
    QWEN3MOE("qwen3moe", RopeType.NEOX);

    /** How rotary embedding pairs dimensions: adjacent (x[2i], x[2i+1]) or halves (x[i], x[i+d/2]). */
    public enum RopeType { NORMAL, NEOX }

    private final String ggufName;
    private final RopeType ropeType;

    Architecture(String ggufName, RopeType ropeType) {
        this.ggufName = ggufName;
        this.ropeType = ropeType;
    }

    public String ggufName() {
        return ggufName;
    }

    public RopeType ropeType() {
        return ropeType;
    }

    /** The architecture named {@code name}; an unknown one is an {@link UnsupportedOperationException}. */
    public static Architecture of(String name) {
        for (Architecture a : values()) {
            if (a.ggufName.equals(name)) {
                return a;
            }
        }
        throw new UnsupportedOperationException("model architecture '" + name + "' is not supported (supported: "
                + Arrays.stream(values()).map(Architecture::ggufName).collect(Collectors.joining(", ")) + ")");
    }
}
