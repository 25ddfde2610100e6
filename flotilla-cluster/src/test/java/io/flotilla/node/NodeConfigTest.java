package io.flotilla.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.transport.ClusterToken;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The flags a launcher writes give back the same config (the token travels apart). */
class NodeConfigTest {
    private static final NodeConfig CONFIG = new NodeConfig("n1", "c", ClusterToken.of("a token that is long enough"),
            "127.0.0.1", 7801, 0, NodeConfig.parseHosts("127.0.0.1:7800"), 2, 1 << 20, Path.of("m.gguf"));

    @Test
    void flagsRoundTripWithAndWithoutSlowdown() {
        for (NodeConfig config : List.of(CONFIG, CONFIG.withSlowdown(3))) {
            List<String> args = new ArrayList<>(config.toArgs());
            args.addAll(List.of("--token", config.token().encoded()));
            NodeConfig parsed = NodeMain.parse(args.toArray(String[]::new));
            assertThat(parsed.slowdown()).isEqualTo(config.slowdown());
            assertThat(parsed.threads()).isEqualTo(2);
            assertThat(parsed.join()).isEqualTo(config.join());
        }
        assertThat(CONFIG.toArgs()).doesNotContain("--slowdown");
    }

    @Test
    void dnsDiscoveryFlagRoundTrips() {
        NodeConfig config = CONFIG.withDns(io.flotilla.membership.DnsDiscovery.parse("dns+srv:_m._tcp.flotilla.ns"));
        List<String> args = new ArrayList<>(config.toArgs());
        assertThat(args).containsSequence("--discovery", "dns+srv:_m._tcp.flotilla.ns");
        args.addAll(List.of("--token", config.token().encoded()));
        assertThat(NodeMain.parse(args.toArray(String[]::new)).dns()).isEqualTo(config.dns());
        assertThat(CONFIG.toArgs()).doesNotContain("--discovery");
    }

    @Test
    void nodeWithoutAModelRoundTripsItsShardCache() {
        NodeConfig config = new NodeConfig("n2", "c", CONFIG.token(), "127.0.0.1", 7802, 0, List.of(), 1, 0, null)
                .withShardCache(Path.of("/tmp/shards"));
        List<String> args = new ArrayList<>(config.toArgs());
        args.addAll(List.of("--token", config.token().encoded()));
        NodeConfig parsed = NodeMain.parse(args.toArray(String[]::new));
        assertThat(parsed.model()).isNull();
        assertThat(parsed.shardCache()).isEqualTo(Path.of("/tmp/shards"));
        assertThat(CONFIG.shardCache()).isEqualTo(NodeConfig.DEFAULT_SHARD_CACHE);
        assertThat(config.toArgs()).doesNotContain("--model");
    }

    @Test
    void slowdownBelowOneIsRefused() {
        assertThatThrownBy(() -> CONFIG.withSlowdown(0.5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0.5");
    }
}
