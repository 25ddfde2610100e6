package io.flotilla.node;

import io.flotilla.membership.DnsDiscovery;
import io.flotilla.transport.ClusterToken;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.LoggerFactory;

/**
 * Entry point of a node process started by {@link NodeLauncher}: the flags of {@link NodeConfig#toArgs()},
 * the token from {@link NodeConfig#TOKEN_ENV}. The node runs until the process is killed or, with
 * {@code --exit-with-parent}, until its standard input closes (the launching process died).
 */
public final class NodeMain {
    private static final Set<String> FLAGS = Set.of("--id", "--cluster", "--token", "--host", "--port", "--data-port",
            "--threads", "--memory", "--model", "--join", "--slowdown", "--tls-keystore", "--discovery",
            "--shard-cache");

    private NodeMain() {
    }

    public static void main(String[] args) throws Exception {
        boolean exitWithParent = List.of(args).contains("--exit-with-parent");
        Node node = new Node(parse(args));
        Runtime.getRuntime().addShutdownHook(new Thread(node::close));
        try {
            node.start();
        } catch (Exception e) {
            LoggerFactory.getLogger(NodeMain.class).error("node {} could not start: {}", node.config().nodeId(),
                    e.getMessage());
            Runtime.getRuntime().halt(2);
        }
        if (exitWithParent) {
            while (System.in.read() >= 0) {
                // wait for end of input
            }
            System.exit(0);
        }
        Thread.currentThread().join();
    }

    /** The config the flags name; the token from {@code --token} or else the environment. */
    public static NodeConfig parse(String[] args) {
        Map<String, String> values = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (FLAGS.contains(args[i]) && i + 1 < args.length) {
                values.put(args[i], args[++i]);
            } else if (!args[i].equals("--exit-with-parent")) {
                throw new IllegalArgumentException("unknown node flag " + args[i] + "; known: " + FLAGS);
            }
        }
        String token = values.getOrDefault("--token", System.getenv(NodeConfig.TOKEN_ENV));
        if (token == null || !values.containsKey("--cluster")) {
            throw new IllegalArgumentException("a node needs --cluster and a token (--token or "
                    + NodeConfig.TOKEN_ENV + ")");
        }
        return new NodeConfig(values.getOrDefault("--id", "node-" + ProcessHandle.current().pid()),
                values.get("--cluster"), ClusterToken.of(token), values.getOrDefault("--host", "127.0.0.1"),
                Integer.parseInt(values.getOrDefault("--port", "7800")),
                Integer.parseInt(values.getOrDefault("--data-port", "0")),
                NodeConfig.parseHosts(values.get("--join")),
                Integer.parseInt(values.getOrDefault("--threads", "1")),
                Long.parseLong(values.getOrDefault("--memory", "0")), path(values.get("--model")),
                Double.parseDouble(values.getOrDefault("--slowdown", "1")), path(values.get("--tls-keystore")),
                values.containsKey("--discovery") ? DnsDiscovery.parse(values.get("--discovery")) : null,
                path(values.get("--shard-cache")));
    }

    private static Path path(String value) {
        return value == null ? null : Path.of(value);
    }
}
