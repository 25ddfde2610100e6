package io.flotilla.membership;

import java.util.Objects;

/**
 * Finding the first members through DNS (JGroups {@code DNS_PING}) instead of a static host list.
 * With {@link RecordType#A} (or AAAA) the name lists the members' addresses and every member uses
 * the same membership port; with {@link RecordType#SRV} the records carry address and port, as a
 * Kubernetes headless service's named port does.
 *
 * @param query the DNS name, e.g. {@code flotilla.my-namespace.svc.cluster.local} or
 *              {@code _membership._tcp.flotilla.my-namespace.svc.cluster.local}
 */
public record DnsDiscovery(String query, RecordType recordType) {
    public enum RecordType { A, AAAA, SRV }

    public DnsDiscovery {
        Objects.requireNonNull(recordType, "recordType");
        if (query == null || query.isBlank()) {
            throw new IllegalArgumentException("DNS discovery needs a name to query, got '" + query + "'");
        }
    }

    /** Parses {@code dns:NAME} (A records), {@code dns+aaaa:NAME} or {@code dns+srv:NAME}. */
    public static DnsDiscovery parse(String text) {
        int colon = text == null ? -1 : text.indexOf(':');
        String scheme = colon < 0 ? "" : text.substring(0, colon);
        RecordType type = switch (scheme) {
            case "dns" -> RecordType.A;
            case "dns+aaaa" -> RecordType.AAAA;
            case "dns+srv" -> RecordType.SRV;
            default -> throw new IllegalArgumentException("expected dns:NAME, dns+aaaa:NAME or dns+srv:NAME, got '"
                    + text + "'");
        };
        return new DnsDiscovery(text.substring(colon + 1), type);
    }

    /** The form {@link #parse} reads. */
    @Override
    public String toString() {
        return switch (recordType) {
            case A -> "dns:";
            case AAAA -> "dns+aaaa:";
            case SRV -> "dns+srv:";
        } + query;
    }
}
