package io.flotilla.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.gguf.GgufFile;
import io.flotilla.gguf.GgufTensorInfo;
import io.flotilla.gguf.GgufValue;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code flotilla inspect FILE}: metadata, tensors, types, sizes, parameter count. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Show a GGUF file's metadata, tensors (type, shape, size) and parameter count.")
final class InspectCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "the GGUF model file")
    Path file;

    @Option(names = "--json", description = "print one JSON object instead of text")
    boolean json;

    @Option(names = "--tensors", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "list every tensor (default: ${DEFAULT-VALUE})")
    boolean listTensors;

    @Override
    public Integer call() throws Exception {
        try (GgufFile g = GgufFile.open(file)) {
            long params = 0;
            long bytes = 0;
            Map<String, long[]> byType = new TreeMap<>();
            for (GgufTensorInfo t : g.tensors()) {
                params += t.elements();
                bytes += t.byteSize();
                long[] agg = byType.computeIfAbsent(t.type().name(), k -> new long[2]);
                agg[0]++;
                agg[1] += t.byteSize();
            }
            if (json) {
                printJson(g, params, bytes);
            } else {
                printText(g, params, bytes, byType, System.out);
            }
        }
        return 0;
    }

    private void printText(GgufFile g, long params, long bytes, Map<String, long[]> byType, PrintStream out) {
        out.printf("file:        %s%n", g.path());
        out.printf("format:      GGUF v%d, %s on disk, tensor data at offset %d%n", g.version(),
                Sizes.bytes(g.fileSize()), g.dataOffset());
        out.printf("parameters:  %,d (%s)%n", params, Sizes.count(params));
        out.printf("tensors:     %d, %s%n", g.tensors().size(), Sizes.bytes(bytes));
        byType.forEach((type, agg) -> out.printf("  %-6s %5d tensors %12s%n", type, agg[0], Sizes.bytes(agg[1])));
        out.println("metadata:");
        for (Map.Entry<String, GgufValue> e : g.metadata().asMap().entrySet()) {
            out.printf("  %-42s %s%n", e.getKey(), abbreviate(e.getValue()));
        }
        if (listTensors) {
            out.println("tensors:");
            for (GgufTensorInfo t : g.tensors()) {
                out.printf("  %-40s %-5s %-22s %10s%n", t.name(), t.type(), Arrays.toString(t.ne()),
                        Sizes.bytes(t.byteSize()));
            }
        }
    }

    private static String abbreviate(GgufValue v) {
        String s = v.toString().replace("\n", "\\n");
        return s.length() > 120 ? s.substring(0, 117) + "..." : s;
    }

    private void printJson(GgufFile g, long params, long bytes) throws Exception {
        ObjectMapper om = new ObjectMapper();
        ObjectNode root = om.createObjectNode();
        root.put("file", g.path().toString());
        root.put("version", g.version());
        root.put("file_bytes", g.fileSize());
        root.put("parameters", params);
        root.put("tensor_bytes", bytes);
        ObjectNode meta = root.putObject("metadata");
        g.metadata().asMap().forEach((k, v) -> meta.put(k, abbreviate(v)));
        if (listTensors) {
            ArrayNode tensors = root.putArray("tensors");
            for (GgufTensorInfo t : g.tensors()) {
                ObjectNode n = tensors.addObject();
                n.put("name", t.name());
                n.put("type", t.type().name());
                ArrayNode shape = n.putArray("shape");
                for (long d : t.ne()) {
                    shape.add(d);
                }
                n.put("bytes", t.byteSize());
            }
        }
        System.out.println(om.writeValueAsString(root));
    }
}
