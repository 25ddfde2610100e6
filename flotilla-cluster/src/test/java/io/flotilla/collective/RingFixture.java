package io.flotilla.collective;

import io.flotilla.transport.ClusterToken;
import io.flotilla.transport.TcpTransport;
import io.flotilla.transport.TransportConfig;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** K workers in this process, each with its own TCP transport on 127.0.0.1, joined into a ring. */
final class RingFixture implements AutoCloseable {
    static final ClusterToken TOKEN = ClusterToken.of("ring fixture token, 32 bytes....");

    final List<TcpTransport> transports = new ArrayList<>();
    final List<RingCollective> rings = new ArrayList<>();
    private final ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();

    RingFixture(int k, CollectiveConfig config) throws Exception {
        List<InetSocketAddress> addresses = new ArrayList<>();
        for (int r = 0; r < k; r++) {
            TcpTransport t = new TcpTransport(TransportConfig.loopback("worker-" + r, "ring-test", TOKEN));
            transports.add(t);
            t.start();
            addresses.add(t.localAddress());
        }
        List<Future<RingCollective>> joined = new ArrayList<>();
        for (int r = 0; r < k; r++) {
            int rank = r;
            joined.add(pool.submit(() -> RingCollective.join(transports.get(rank), rank, addresses, config)));
        }
        for (Future<RingCollective> f : joined) {
            rings.add(f.get());
        }
    }

    /** Runs {@code task(rank)} on every worker at once; the futures in rank order. */
    <T> List<Future<T>> onEach(Task<T> task) {
        List<Future<T>> futures = new ArrayList<>();
        for (int r = 0; r < rings.size(); r++) {
            int rank = r;
            Callable<T> call = () -> task.run(rank, rings.get(rank));
            futures.add(pool.submit(call));
        }
        return futures;
    }

    interface Task<T> {
        T run(int rank, RingCollective ring) throws Exception;
    }

    @Override
    public void close() {
        rings.forEach(RingCollective::close);
        transports.forEach(TcpTransport::close);
        pool.shutdownNow();
    }
}
