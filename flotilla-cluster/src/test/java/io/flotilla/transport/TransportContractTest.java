package io.flotilla.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.wire.Message;
import io.flotilla.wire.SampleMessages;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What every {@link Transport} must do; each implementation runs it through a subclass. */
abstract class TransportContractTest {
    protected final TransportFixture fixture = new TransportFixture();

    /** A started transport for this node id, of the implementation under test. */
    protected abstract Transport start(String nodeId) throws Exception;

    @AfterEach
    void closeAll() throws Exception {
        fixture.close();
    }

    private Connection[] pair() throws Exception {
        Transport server = start("server");
        Transport client = start("client");
        Connection outbound = fixture.closeLater(client.connect(server.localAddress()));
        Connection inbound = fixture.closeLater(server.accept());
        return new Connection[] {outbound, inbound};
    }

    @Test
    void everyMessageTypeCrossesInBothDirections() throws Exception {
        Connection[] link = pair();
        assertThat(link[0].peer()).isEqualTo(Message.Hello.of("server", TransportFixture.CLUSTER));
        assertThat(link[1].peer().nodeId()).isEqualTo("client");
        for (Message message : SampleMessages.all()) {
            if (message.type().ordinal() <= 2 || message instanceof Message.Error e && e.code().fatal()) {
                continue; // handshake messages are refused after the handshake
            }
            for (int direction = 0; direction < 2; direction++) {
                link[direction].send(message);
                assertThat(link[1 - direction].receive()).usingRecursiveComparison()
                        .isEqualTo(SampleMessages.afterRoundTrip(message));
            }
        }
    }

    @Test
    void concurrentSendersNeitherInterleaveNorReorderTheirFrames() throws Exception {
        Connection[] link = pair();
        int perSender = 200;
        List<CompletableFuture<Void>> senders = new ArrayList<>();
        for (int sender = 0; sender < 2; sender++) {
            int id = sender;
            senders.add(CompletableFuture.runAsync(() -> {
                for (int i = 0; i < perSender; i++) {
                    try {
                        link[0].send(new Message.Tokens(id, i, new int[] {id}, new int[] {i}));
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
            }, runnable -> Thread.ofVirtual().start(runnable)));
        }
        int[] next = new int[2];
        for (int i = 0; i < 2 * perSender; i++) {
            Message.Tokens tokens = (Message.Tokens) link[1].receive();
            int sender = (int) tokens.requestId();
            assertThat(tokens.microBatchId()).isEqualTo(next[sender]++);
        }
        CompletableFuture.allOf(senders.toArray(CompletableFuture[]::new)).get();
        assertThat(next).containsExactly(perSender, perSender);
    }

    @Test
    void closingOneEndEndsTheOtherAfterWhatWasSent() throws Exception {
        Connection[] link = pair();
        link[0].send(new Message.Close("done"));
        link[0].close();
        assertThat(link[1].receive()).isEqualTo(new Message.Close("done"));
        assertThatThrownBy(link[1]::receive).isInstanceOf(IOException.class);
        assertThat(link[0].isOpen()).isFalse();
    }

    @Test
    void closedTransportStopsAccepting() throws Exception {
        Transport server = start("server");
        server.close();
        assertThatThrownBy(server::accept).isInstanceOf(IOException.class);
    }
}
