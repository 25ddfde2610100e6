package io.flotilla.membership;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.transport.ClusterToken;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import org.jgroups.BytesMessage;
import org.jgroups.Message;
import org.jgroups.protocols.AUTH;
import org.jgroups.util.UUID;
import org.junit.jupiter.api.Test;

class HmacAuthTokenTest {
    private static final ClusterToken TOKEN = ClusterToken.of("auth token test secret, long enough");
    private static final String CLUSTER = "c";
    private final UUID joiner = UUID.randomUUID();

    private HmacAuthToken sent(ClusterToken token, Clock clock) throws IOException {
        HmacAuthToken sender = new HmacAuthToken(token, CLUSTER, clock);
        AUTH auth = new AUTH();
        auth.setAddress(joiner);
        sender.setAuth(auth);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        sender.writeTo(new DataOutputStream(bytes));
        assertThat(bytes.size()).isEqualTo(sender.size());
        HmacAuthToken received = new HmacAuthToken();
        received.readFrom(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
        return received;
    }

    private Message from(UUID source) {
        return new BytesMessage(null).setSrc(source);
    }

    @Test
    void acceptsAFreshProofOnceOnly() throws IOException {
        HmacAuthToken verifier = new HmacAuthToken(TOKEN, CLUSTER, Clock.systemUTC());
        HmacAuthToken proof = sent(TOKEN, Clock.systemUTC());
        assertThat(verifier.authenticate(proof, from(joiner))).isTrue();
        assertThat(verifier.authenticate(proof, from(joiner))).as("replay").isFalse();
        assertThat(verifier.authenticate(sent(TOKEN, Clock.systemUTC()), from(joiner))).as("new proof").isTrue();
    }

    @Test
    void refusesWrongTokenOtherSenderOtherClusterAndStaleTime() throws IOException {
        HmacAuthToken verifier = new HmacAuthToken(TOKEN, CLUSTER, Clock.systemUTC());
        assertThat(verifier.authenticate(sent(ClusterToken.of("some other secret, long enough"), Clock.systemUTC()),
                from(joiner))).isFalse();
        assertThat(verifier.authenticate(sent(TOKEN, Clock.systemUTC()), from(UUID.randomUUID()))).isFalse();
        assertThat(new HmacAuthToken(TOKEN, "other", Clock.systemUTC())
                .authenticate(sent(TOKEN, Clock.systemUTC()), from(joiner))).isFalse();
        Clock stale = Clock.offset(Clock.systemUTC(), Duration.ofMinutes(-5));
        assertThat(verifier.authenticate(sent(TOKEN, stale), from(joiner))).isFalse();
        assertThat(verifier.authenticate(new HmacAuthToken(), from(joiner))).as("empty token").isFalse();
    }

    @Test
    void acceptsItsOwnRequestLoopedBackInMemoryButNotAnUnprovedCopyFromElsewhere() {
        HmacAuthToken own = new HmacAuthToken(TOKEN, CLUSTER, Clock.systemUTC());
        AUTH auth = new AUTH();
        auth.setAddress(joiner);
        own.setAuth(auth);
        assertThat(own.authenticate(own, from(joiner))).as("merge leader asking itself").isTrue();
        assertThat(own.authenticate(own, from(UUID.randomUUID()))).as("another sender").isFalse();
        HmacAuthToken stranger = new HmacAuthToken(TOKEN, CLUSTER, Clock.systemUTC());
        stranger.setAuth(auth);
        assertThat(own.authenticate(stranger, from(joiner))).as("another token object, no proof").isFalse();
    }
}
