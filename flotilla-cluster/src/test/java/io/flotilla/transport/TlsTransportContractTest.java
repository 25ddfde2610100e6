package io.flotilla.transport;

class TlsTransportContractTest extends TransportContractTest {
    @Override
    protected Transport start(String nodeId) throws Exception {
        return fixture.started(TransportFixture.config(nodeId).withTls(TestTls.selfSignedContext()));
    }
}
