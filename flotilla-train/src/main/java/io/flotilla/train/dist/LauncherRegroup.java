package io.flotilla.train.dist;

import io.flotilla.collective.Collective;
import io.flotilla.collective.CollectiveConfig;
import io.flotilla.collective.CollectiveException;
import io.flotilla.collective.RingCollective;
import io.flotilla.transport.ClusterToken;
import io.flotilla.transport.TcpTransport;
import io.flotilla.transport.TransportConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * A worker process's side of regrouping, through its launcher ({@link ProcessRegroup}) on
 * standard input and output: {@code REGROUP port} after a failed round, {@code PENDING?} at round
 * boundaries (answered {@code PENDING 0|1}), {@code ADMIT port} to take waiting joiners in, and
 * {@code JOIN port} from a restarted worker; each of the last three but {@code PENDING?} is answered
 * {@code REGROUPED rank host:port,...}. Every transport it opens is closed by {@link #close}.
 */
final class LauncherRegroup implements DistributedTrainer.Regroup, AutoCloseable {

    private final int worker;
    private final ClusterToken token;
    private final CollectiveConfig config;
    private final BufferedReader in;
    private final PrintStream out;
    private final List<TcpTransport> transports = new ArrayList<>();

    LauncherRegroup(int worker, ClusterToken token, CollectiveConfig config, BufferedReader in, PrintStream out) {
        this.worker = worker;
        this.token = token;
        this.config = config;
        this.in = in;
        this.out = out;
    }

    @Override
    public Collective regroup(CollectiveException cause) throws IOException {
        return form("REGROUP");
    }

    @Override
    public boolean admitsJoiners() {
        return true;
    }

    @Override
    public boolean joinPending() {
        try {
            return ask("PENDING?", "PENDING ").trim().equals("1");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public Collective admit() throws IOException {
        return form("ADMIT");
    }

    @Override
    public Collective join() throws IOException {
        return form("JOIN");
    }

    private RingCollective form(String request) throws IOException {
        TcpTransport transport = new TcpTransport(TransportConfig.loopback("worker-" + worker + "-g" + transports.size(),
                "flotilla-train", token));
        transports.add(transport);
        transport.start();
        String[] parts = ask(request + " " + transport.localAddress().getPort(), "REGROUPED ").split(" ");
        return RingCollective.join(transport, Integer.parseInt(parts[0]), addresses(parts[1]), config);
    }

    /** Sends one line to the launcher and returns the rest of its answer after {@code prefix}. */
    private String ask(String line, String prefix) throws IOException {
        out.println(line);
        out.flush();
        String answer = in.readLine();
        if (answer == null || !answer.startsWith(prefix)) {
            throw new IOException("worker " + worker + " expected " + prefix.trim() + " from the launcher after "
                    + line + ", got " + answer);
        }
        return answer.substring(prefix.length());
    }

    static List<InetSocketAddress> addresses(String list) {
        List<InetSocketAddress> peers = new ArrayList<>();
        for (String p : list.split(",")) {
            int colon = p.lastIndexOf(':');
            peers.add(new InetSocketAddress(p.substring(0, colon), Integer.parseInt(p.substring(colon + 1))));
        }
        return peers;
    }

    @Override
    public void close() {
        transports.forEach(TcpTransport::close);
    }
}
