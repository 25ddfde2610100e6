package io.flotilla.transport;

import java.time.Duration;

class EmulatedLinkTransportContractTest extends TransportContractTest {
    @Override
    protected Transport start(String nodeId) throws Exception {
        return new EmulatedLinkTransport(fixture.started(TransportFixture.config(nodeId)),
                new LinkProfile(Duration.ofMillis(1), 50_000_000));
    }
}
