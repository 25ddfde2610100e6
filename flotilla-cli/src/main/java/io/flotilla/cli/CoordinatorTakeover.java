package io.flotilla.cli;

import io.flotilla.node.Node;
import io.flotilla.node.NodeConfig;
import io.flotilla.node.NodeLauncher;
import io.flotilla.pipeline.Coordinator;
import io.flotilla.pipeline.CoordinatorConfig;
import io.flotilla.placement.PlacementObjective;
import io.flotilla.server.ApiKeys;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What a node started with {@code --api-port} does when it becomes the first member of the group's
 * view (the group formed around it, or every older member failed): it starts a {@link Coordinator}
 * in its own process (a member of its own, {@code ID-coordinator}, joining through this node), which
 * re-plans over the nodes alive, and serves the OpenAI API and the cluster status on the API port.
 * The node keeps serving its layers.
 *
 * @param apiPort       HTTP port of the API and status
 * @param contextLength context of each sequence
 * @param maxNumSeqs    sequences served together
 */
record CoordinatorTakeover(Node node, PlacementObjective objective, int apiPort, int contextLength, int maxNumSeqs,
                           ApiKeys keys) implements Runnable {

    @Override
    public void run() {
        NodeConfig config = node.config();
        List<InetSocketAddress> members = new ArrayList<>();
        members.add(new InetSocketAddress(config.host(), config.port()));
        members.addAll(config.join());
        try (Coordinator coordinator = new Coordinator(new CoordinatorConfig(config.nodeId() + "-coordinator",
                config.clusterName(), config.token(), config.host(), NodeLauncher.freePort(config.host()),
                config.model(), objective, 1, contextLength, maxNumSeqs, Duration.ofSeconds(120),
                config.tlsKeyStore()))) {
            coordinator.start(members, node.highestPlanSeen());
            ClusterApi.serve(coordinator, config.model(), config.host(), apiPort, contextLength, maxNumSeqs, keys,
                    (port, served) -> System.err.printf("node %s: coordinator now (after plan %d); serving %s on "
                            + "http://%s:%d/v1, status at http://%s:%d%s%n", config.nodeId(), node.highestPlanSeen(),
                            served, config.host(), port, config.host(), port, UpCommand.STATUS_PATH));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            System.err.printf("node %s: could not take over as coordinator: %s%n", config.nodeId(), e.getMessage());
        }
    }
}
