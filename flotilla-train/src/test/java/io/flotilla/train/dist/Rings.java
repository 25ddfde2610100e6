package io.flotilla.train.dist;

import io.flotilla.collective.Collective;
import io.flotilla.collective.CollectiveConfig;
import io.flotilla.collective.RingCollective;
import io.flotilla.transport.ClusterToken;
import io.flotilla.transport.TcpTransport;
import io.flotilla.transport.TransportConfig;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** K ring collectives on loopback TCP, each driven by its own thread (tests of collective protocols). */
final class Rings implements AutoCloseable {

    /** One worker's part: its rank in the ring and the ring. */
    interface Part<T> {
        T run(int rank, Collective ring) throws Exception;
    }

    private final ClusterToken token = ClusterToken.random(new SecureRandom());
    private final List<TcpTransport> transports = new ArrayList<>();
    private final ExecutorService pool = Executors.newCachedThreadPool();

    /** Forms a ring of {@code k} fresh transports and runs {@code part} on every worker at once; results by rank. */
    <T> List<Object> run(int k, Part<T> part) throws Exception {
        List<InetSocketAddress> addresses = new ArrayList<>();
        List<TcpTransport> mine = new ArrayList<>();
        for (int r = 0; r < k; r++) {
            TcpTransport t = new TcpTransport(TransportConfig.loopback("ring-" + transports.size(), "flotilla-test", token));
            transports.add(t);
            mine.add(t);
            t.start();
            addresses.add(t.localAddress());
        }
        CollectiveConfig config = CollectiveConfig.defaults().withDeadline(Duration.ofSeconds(60));
        List<Future<Object>> futures = new ArrayList<>();
        for (int r = 0; r < k; r++) {
            int rank = r;
            futures.add(pool.submit(() -> {
                try (RingCollective ring = RingCollective.join(mine.get(rank), rank, addresses, config)) {
                    return part.run(rank, ring);
                } catch (Exception e) {
                    return e; // a worker's failure is its result
                }
            }));
        }
        List<Object> results = new ArrayList<>();
        for (Future<Object> f : futures) {
            try {
                results.add(f.get());
            } catch (ExecutionException e) {
                results.add(e.getCause());
            }
        }
        return results;
    }

    @Override
    public void close() {
        pool.shutdownNow();
        transports.forEach(TcpTransport::close);
    }
}
