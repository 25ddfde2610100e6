package io.flotilla.placement;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The model as the planner sees it: the embedding (always on the first stage), the transformer
 * layers in order, the final norm and output projection (always on the last stage), and the bytes
 * of one token's hidden state passed between stages.
 */
public record ModelSpec(String name, LayerSpec embedding, List<LayerSpec> layers, LayerSpec output,
                        long activationBytesPerToken) {
    public ModelSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(embedding, "embedding");
        Objects.requireNonNull(output, "output");
        layers = List.copyOf(layers);
        if (layers.isEmpty() || activationBytesPerToken <= 0) {
            throw new IllegalArgumentException("model " + name + " needs >= 1 layer and activation bytes > 0, got "
                    + layers.size() + " layers, " + activationBytesPerToken + " activation bytes");
        }
    }

    /** Embedding, layers, output: the sequence that stages cut into contiguous pieces. */
    List<LayerSpec> blocks() {
        List<LayerSpec> blocks = new ArrayList<>(layers.size() + 2);
        blocks.add(embedding);
        blocks.addAll(layers);
        blocks.add(output);
        return blocks;
    }

    public long weightBytes() {
        return blocks().stream().mapToLong(LayerSpec::weightBytes).sum();
    }

    public long kvBytesPerToken() {
        return blocks().stream().mapToLong(LayerSpec::kvBytesPerToken).sum();
    }
}
