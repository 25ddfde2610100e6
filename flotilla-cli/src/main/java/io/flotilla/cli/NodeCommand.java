package io.flotilla.cli;

import io.flotilla.membership.DnsDiscovery;
import io.flotilla.node.Node;
import io.flotilla.node.NodeConfig;
import io.flotilla.placement.PlacementObjective;
import io.flotilla.server.ApiKeys;
import io.flotilla.transport.ClusterToken;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code flotilla node}: one stage node of a cluster, serving the layers the coordinator assigns. */
@Command(name = "node", mixinStandardHelpOptions = true,
        description = "Run a node: join the cluster, report what this machine can do, serve assigned layers.")
final class NodeCommand implements Callable<Integer> {
    @Option(names = "--cluster", required = true, paramLabel = "NAME", description = "cluster name")
    String cluster;

    @Option(names = "--token", paramLabel = "SECRET",
            description = "cluster token (>= 16 bytes); default: the FLOTILLA_CLUSTER_TOKEN environment variable")
    String token;

    @Option(names = "--join", paramLabel = "HOST:PORT[,HOST:PORT...]", description = "members to contact first")
    String join;

    @Option(names = "--discovery", paramLabel = "dns:NAME|dns+srv:NAME",
            description = {"find the first members through DNS instead of --join: A records (every member on --port)",
                    "or SRV records (address and port each), e.g. a Kubernetes headless service"})
    String discovery;

    @Option(names = "--port", paramLabel = "P", description = "membership port (default: ${DEFAULT-VALUE})")
    int port = 7800;

    @Option(names = "--data-port", paramLabel = "P", description = "activation port (default: any free port)")
    int dataPort;

    @Option(names = "--host", paramLabel = "ADDRESS", description = "address to bind (default: ${DEFAULT-VALUE})")
    String host = "127.0.0.1";

    @Option(names = "--id", paramLabel = "ID", description = "node id (default: node-PID)")
    String id;

    @Option(names = "--threads", paramLabel = "N", description = "compute threads (default: ${DEFAULT-VALUE})")
    int threads = 1;

    @Option(names = "--memory", paramLabel = "LIMIT",
            description = "offer at most this much memory to the planner, e.g. 512M, 4G (default: what is free)")
    String memory;

    @Option(names = {"-m", "--model"}, paramLabel = "FILE",
            description = "local GGUF model file; without it the node receives the tensors of its layers from a peer "
                    + "that has the model (the coordinator or another node), checked against the announced hashes")
    Path model;

    @Option(names = "--shard-cache", paramLabel = "DIR",
            description = "where tensors received from peers are kept (default: ~/.cache/flotilla/shards)")
    Path shardCache;

    @Option(names = "--tls-keystore", paramLabel = "FILE",
            description = {"TLS on data and membership connections: a PKCS#12 store with this node's key and the",
                    "certificates it trusts",
                    "(password: FLOTILLA_TLS_PASSWORD, default the cluster token); every member needs TLS then"})
    Path tlsKeyStore;

    @Option(names = "--slowdown", paramLabel = "F", description = "emulate a node F times slower (benchmarks; default 1)")
    double slowdown = 1;

    @Option(names = "--api-port", paramLabel = "P",
            description = "coordinator fail-over: this node is a candidate; when no coordinator and no older "
                    + "candidate is alive (JGroups view order) it starts a coordinator, re-plans over the nodes "
                    + "alive and serves the OpenAI API and /cluster/status on port P (needs --model); until then "
                    + "nothing listens on P")
    Integer apiPort;

    @Option(names = "--objective", paramLabel = "latency|throughput",
            description = "with --api-port: what the placement optimizes (default: ${DEFAULT-VALUE})")
    String objective = "latency";

    @Option(names = "--ctx", paramLabel = "N",
            description = "with --api-port: context length of each sequence (default: ${DEFAULT-VALUE})")
    int ctx = 512;

    @Option(names = "--max-num-seqs", paramLabel = "N",
            description = "with --api-port: sequences served together (default: ${DEFAULT-VALUE})")
    int maxNumSeqs = 4;

    @Option(names = "--api-keys", paramLabel = "FILE",
            description = "with --api-port: key file of the OpenAI API (as flotilla serve); without it the API is open")
    Path apiKeys;

    @Option(names = "--exit-with-parent", hidden = true, description = "exit when standard input closes")
    boolean exitWithParent;

    @Override
    public Integer call() throws Exception {
        String secret = token != null ? token : System.getenv(NodeConfig.TOKEN_ENV);
        if (secret == null) {
            throw new IllegalArgumentException("a node needs --token or " + NodeConfig.TOKEN_ENV);
        }
        NodeConfig config = new NodeConfig(id != null ? id : "node-" + ProcessHandle.current().pid(), cluster,
                ClusterToken.of(secret), host, port, dataPort, NodeConfig.parseHosts(join), threads,
                memory == null ? 0 : parseBytes(memory), model).withSlowdown(slowdown).withTls(tlsKeyStore)
                .withDns(discovery == null ? null : DnsDiscovery.parse(discovery))
                .withShardCache(shardCache);
        Node node = new Node(config);
        if (apiPort != null) {
            if (model == null) {
                throw new IllegalArgumentException("--api-port needs --model: a coordinator plans and tokenizes"
                        + " with the whole model");
            }
            ApiKeys keys = apiKeys == null ? ApiKeys.open() : ApiKeys.load(apiKeys);
            node.candidateCoordinator(apiPort, new CoordinatorTakeover(node, objective(objective), apiPort, ctx,
                    maxNumSeqs, keys));
        }
        Runtime.getRuntime().addShutdownHook(new Thread(node::close));
        node.start();
        System.err.printf("node %s: cluster %s, membership %s:%d, data %s%n", config.nodeId(), cluster, host, port,
                node.dataAddress());
        if (exitWithParent) {
            while (System.in.read() >= 0) {
                // the launching process keeps our standard input open while it lives
            }
            return 0;
        }
        Thread.currentThread().join();
        return 0;
    }

    /** {@code latency} or {@code throughput}. */
    static PlacementObjective objective(String text) {
        return switch (text) {
            case "latency" -> PlacementObjective.LATENCY;
            case "throughput" -> PlacementObjective.THROUGHPUT;
            default -> throw new IllegalArgumentException("--objective must be latency or throughput, got " + text);
        };
    }

    /** {@code 123}, {@code 512K}, {@code 64M}, {@code 4G} (binary units). */
    static long parseBytes(String text) {
        String t = text.trim().toUpperCase();
        long unit = switch (t.isEmpty() ? ' ' : t.charAt(t.length() - 1)) {
            case 'K' -> 1L << 10;
            case 'M' -> 1L << 20;
            case 'G' -> 1L << 30;
            case 'T' -> 1L << 40;
            default -> 1;
        };
        String digits = unit == 1 ? t : t.substring(0, t.length() - 1);
        try {
            return (long) (Double.parseDouble(digits) * unit);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--memory must be a size like 512M or 4G, got '" + text + "'");
        }
    }
}
