package io.flotilla.transport;

class TcpTransportContractTest extends TransportContractTest {
    @Override
    protected Transport start(String nodeId) throws Exception {
        return fixture.started(TransportFixture.config(nodeId));
    }
}
