package io.flotilla.membership;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.jgroups.JChannel;
import org.jgroups.Message;
import org.jgroups.Receiver;
import org.jgroups.View;
import org.jgroups.protocols.AUTH;
import org.jgroups.protocols.FD_ALL3;
import org.jgroups.protocols.FD_SOCK2;
import org.jgroups.protocols.FRAG4;
import org.jgroups.protocols.MERGE3;
import org.jgroups.protocols.MFC;
import org.jgroups.protocols.TCP;
import org.jgroups.protocols.TCPPING;
import org.jgroups.protocols.UNICAST3;
import org.jgroups.protocols.VERIFY_SUSPECT2;
import org.jgroups.protocols.dns.DNSResolver;
import org.jgroups.protocols.dns.DNS_PING;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.protocols.pbcast.NAKACK2;
import org.jgroups.protocols.pbcast.STABLE;
import org.jgroups.stack.Protocol;
import org.jgroups.util.NameCache;
import org.jgroups.util.TLS;
import org.jgroups.util.TLSClientAuth;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's membership in the group, through JGroups: TCP transport, static initial hosts (or DNS),
 * joins and merges authenticated by {@link HmacAuthToken}, failure detection by FD_SOCK2 and
 * FD_ALL3, and TLS on the transport when {@link MembershipConfig#tls} is set. Views go to the listener;
 * the first member of a view is the coordinator.
 */
public final class Membership implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Membership.class);

    private final MembershipConfig config;
    private final MembershipListener listener;
    private JChannel channel;
    private DNSResolver dnsResolver;
    private volatile MembershipView view;
    private List<String> previous = List.of();

    public Membership(MembershipConfig config, MembershipListener listener) {
        this.config = Objects.requireNonNull(config, "config");
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    /** Joins the group (or forms it when no initial host answers). */
    public synchronized void start() throws MembershipException {
        if (channel != null) {
            return;
        }
        try {
            JChannel opened = new JChannel(stack()).name(config.nodeId());
            opened.setReceiver(new Receiver() {
                @Override
                public void viewAccepted(View next) {
                    onView(next);
                }

                @Override
                public void receive(Message message) {
                    onMessage(message);
                }
            });
            channel = opened;
            opened.connect(config.clusterName());
        } catch (Exception e) {
            close();
            throw new MembershipException("node " + config.nodeId() + " could not join cluster "
                    + config.clusterName() + " via " + config.initialHosts() + ": " + e.getMessage(), e);
        }
    }

    private Protocol[] stack() throws java.net.UnknownHostException {
        TCP tcp = new TCP();
        tcp.setBindAddress(InetAddress.getByName(config.bindHost()));
        tcp.setBindPort(config.bindPort());
        tcp.setPortRange(0);
        // TLS on the transport's sockets covers discovery, joins, views and messages; peers must
        // present a trusted certificate too. (FD_SOCK2's liveness sockets carry no payload and stay plain.)
        config.tls().ifPresent(context -> tcp.tls(new TLS().enabled(true).setSSLContext(context)
                .setClientAuth(TLSClientAuth.NEED)));
        Protocol discovery = config.dns().isPresent() ? dnsPing(config.dns().get()) : staticPing();
        AUTH auth = new AUTH();
        HmacAuthToken token = new HmacAuthToken(config.token(), config.clusterName(), java.time.Clock.systemUTC());
        token.setAuth(auth);
        auth.setAuthToken(token);
        auth.setAuthCoord(true);
        GMS gms = new GMS();
        gms.setJoinTimeout(config.joinTimeout().toMillis());
        gms.printLocalAddress(false);
        // a closed socket (killed process) is suspected at once by FD_SOCK2; a silent one after
        // FD_ALL3's timeout; VERIFY_SUSPECT2 double-checks: a SIGKILLed node leaves the view in ~1 s
        FD_ALL3 heartbeats = new FD_ALL3();
        heartbeats.setInterval(500);
        heartbeats.setTimeout(2500);
        VERIFY_SUSPECT2 verify = new VERIFY_SUSPECT2();
        verify.setTimeout(500);
        return new Protocol[] {tcp, discovery, new MERGE3(), new FD_SOCK2(), heartbeats, verify,
            new NAKACK2(), new UNICAST3(), new STABLE(), auth, gms, new MFC(), new FRAG4()};
    }

    private Protocol staticPing() {
        TCPPING ping = new TCPPING();
        ping.setInitialHosts(config.initialHosts());
        ping.setPortRange(0);
        return ping;
    }

    private Protocol dnsPing(DnsDiscovery discovery) {
        DNS_PING ping = new DNS_PING().dnsQuery(discovery.query()).dnsRecordType(discovery.recordType().name());
        if (dnsResolver != null) {
            ping.dnsResolver(dnsResolver);
        }
        return ping;
    }

    /** Tests answer DNS queries themselves (no traffic to a real DNS server); call before {@link #start}. */
    void dnsResolver(DNSResolver resolver) {
        this.dnsResolver = resolver;
    }

    private synchronized void onView(View next) {
        List<String> members = new ArrayList<>();
        for (Address address : next.getMembers()) {
            String name = NameCache.get(address);
            members.add(name != null ? name : address.toString());
        }
        List<String> joined = members.stream().filter(m -> !previous.contains(m)).toList();
        List<String> left = previous.stream().filter(m -> !members.contains(m)).toList();
        previous = members;
        MembershipView current = new MembershipView(next.getViewId().getId(), members, joined, left);
        view = current;
        LOG.info("node {}: view {} members {} joined {} left {}", config.nodeId(), current.id(), members, joined, left);
        try {
            listener.viewChanged(current);
        } catch (RuntimeException e) {
            LOG.warn("node {}: membership listener failed on view {}", config.nodeId(), current.id(), e);
        }
    }

    private void onMessage(Message message) {
        String from = NameCache.get(message.getSrc());
        try {
            listener.received(from != null ? from : String.valueOf(message.getSrc()), message.getArray());
        } catch (RuntimeException e) {
            LOG.warn("node {}: membership listener failed on a message from {}", config.nodeId(), from, e);
        }
    }

    /**
     * Sends {@code payload} to the member named {@code member} (reliable, in order per sender).
     *
     * @throws MembershipException when the member is not in the current view or the channel is closed
     */
    public void send(String member, byte[] payload) throws MembershipException {
        JChannel current = channel;
        View view = current == null ? null : current.getView();
        if (view == null) {
            throw new MembershipException("node " + config.nodeId() + " is not in a group; cannot send to " + member,
                    null);
        }
        for (Address address : view.getMembers()) {
            // a member whose name this node has not learnt yet (it joined through another member) is
            // listed and reported under its address: send to that too
            if (member.equals(NameCache.get(address)) || member.equals(address.toString())) {
                try {
                    current.send(new BytesMessage(address, payload));
                    return;
                } catch (Exception e) {
                    throw new MembershipException("node " + config.nodeId() + " could not send to " + member + ": "
                            + e.getMessage(), e);
                }
            }
        }
        throw new MembershipException("node " + config.nodeId() + ": no member " + member + " in view "
                + view.getViewId().getId(), null);
    }

    public String nodeId() {
        return config.nodeId();
    }

    /** The latest view, or null before the first. */
    public MembershipView view() {
        return view;
    }

    public boolean isCoordinator() {
        MembershipView current = view;
        return current != null && current.coordinator().equals(config.nodeId());
    }

    /**
     * Leaves the group (the others see a view without this node) and releases the ports. JGroups'
     * graceful leave can wait without end for a view change that never completes (seen when a
     * refused joiner was pending on a TLS channel), so the leave gets {@link #CLOSE_TIMEOUT_MS} and
     * is then abandoned with a warning: the others detect this node as failed instead.
     */
    @Override
    public void close() {
        JChannel leaving;
        synchronized (this) {
            leaving = channel;
            channel = null;
        }
        if (leaving == null) {
            return;
        }
        Thread closer = Thread.ofPlatform().daemon().name("membership-close-" + config.nodeId()).start(leaving::close);
        try {
            closer.join(CLOSE_TIMEOUT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (closer.isAlive()) {
            LOG.warn("node {}: leaving the group did not finish within {} ms; left without a goodbye",
                    config.nodeId(), CLOSE_TIMEOUT_MS);
        }
    }

    /** How long {@link #close()} waits for JGroups' graceful leave. */
    static final long CLOSE_TIMEOUT_MS = 5_000;
}
