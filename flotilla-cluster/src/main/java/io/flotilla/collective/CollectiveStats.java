package io.flotilla.collective;

/**
 * What one worker sent through a collective so far.
 *
 * @param operations   collective operations completed
 * @param payloadBytes bytes of payload (values, indices, scales) this worker sent
 * @param wireBytes    bytes this worker put on the wire (payload, message fields and frame headers)
 */
public record CollectiveStats(long operations, long payloadBytes, long wireBytes) {

    /** The difference {@code this - earlier}: what was sent in between. */
    public CollectiveStats since(CollectiveStats earlier) {
        return new CollectiveStats(operations - earlier.operations, payloadBytes - earlier.payloadBytes,
                wireBytes - earlier.wireBytes);
    }
}
