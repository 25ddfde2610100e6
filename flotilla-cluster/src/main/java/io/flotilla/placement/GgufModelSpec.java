package io.flotilla.placement;

import io.flotilla.gguf.GgufFile;
import io.flotilla.gguf.GgufTensorInfo;
import io.flotilla.model.ModelConfig;
import java.util.ArrayList;
import java.util.List;

/** The planner's view of a GGUF model: per-block bytes, FLOPs and KV bytes, from the tensor table. */
public final class GgufModelSpec {
    /** Bytes of one cached key or value element (the KV cache holds float16). */
    private static final int KV_ELEMENT_BYTES = 2;

    private GgufModelSpec() {
    }

    public static ModelSpec of(GgufFile file) {
        ModelConfig config = ModelConfig.fromGguf(file.metadata());
        long[] bytes = new long[config.layers()];
        double[] flops = new double[config.layers()];
        String[] types = new String[config.layers()];
        for (GgufTensorInfo tensor : file.tensors()) {
            if (!tensor.name().startsWith("blk.")) {
                continue;
            }
            int layer = Integer.parseInt(tensor.name().substring(4, tensor.name().indexOf('.', 4)));
            bytes[layer] += tensor.byteSize();
            if (tensor.dims() >= 2) {
                flops[layer] += 2.0 * tensor.elements();
                types[layer] = tensor.type().name();
            }
        }
        long kvPerToken = (long) KV_ELEMENT_BYTES * (config.kvDimK() + config.kvDimV());
        List<LayerSpec> layers = new ArrayList<>();
        for (int i = 0; i < bytes.length; i++) {
            layers.add(new LayerSpec(bytes[i], flops[i], bytes[i], kvPerToken, types[i] == null ? "F32" : types[i]));
        }
        GgufTensorInfo embedding = file.requireTensor("token_embd.weight");
        GgufTensorInfo output = file.hasTensor("output.weight") ? file.requireTensor("output.weight") : embedding;
        long rowBytes = embedding.byteSize() / Math.max(1, embedding.ne(1));
        LayerSpec embed = new LayerSpec(embedding.byteSize(), 0, rowBytes, 0, embedding.type().name());
        LayerSpec head = new LayerSpec(output.byteSize(), 2.0 * output.elements(), output.byteSize(), 0,
                output.type().name());
        return new ModelSpec(file.path().getFileName().toString(), embed, layers, head, 4L * config.dim());
    }
}
