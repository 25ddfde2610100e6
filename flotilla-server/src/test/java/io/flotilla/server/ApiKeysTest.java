package io.flotilla.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ApiKeysTest {

    @Test
    void linesMapKeysToTenantsWithWeightAndQuotas() {
        ApiKeys keys = ApiKeys.parse(List.of(
                "# key tenant weight rpm tpm",
                "",
                "sk-alice   alice 2 60 10000",
                "sk-alice2\talice 2 60 10000",
                "sk-bob bob"), "keys.txt");
        assertThat(keys.isOpen()).isFalse();
        assertThat(keys.authenticate("Bearer sk-alice")).contains(new TenantPolicy("alice", 2, 60, 10000));
        assertThat(keys.authenticate("bearer sk-alice2").orElseThrow().tenantId()).isEqualTo("alice");
        assertThat(keys.authenticate("Bearer sk-bob")).contains(TenantPolicy.unlimited("bob"));
        assertThat(keys.authenticate("Bearer sk-eve")).isEmpty();
        assertThat(keys.authenticate("sk-bob")).isEmpty();
        assertThat(keys.authenticate(null)).isEmpty();
        assertThat(keys.tenants()).extracting(TenantPolicy::tenantId).containsExactly("alice", "bob");
    }

    @Test
    void openServerGivesEveryoneTheDefaultTenant() {
        ApiKeys keys = ApiKeys.open();
        assertThat(keys.isOpen()).isTrue();
        assertThat(keys.authenticate(null).orElseThrow().tenantId()).isEqualTo("default");
        assertThat(keys.authenticate("Bearer anything").orElseThrow().tenantId()).isEqualTo("default");
    }

    @Test
    void errorsNameTheFileAndLine() {
        assertThatThrownBy(() -> ApiKeys.parse(List.of("k1 a", "k2"), "keys.txt"))
                .hasMessageContaining("keys.txt line 2").hasMessageContaining("1 fields");
        assertThatThrownBy(() -> ApiKeys.parse(List.of("k1 a x"), "keys.txt"))
                .hasMessageContaining("keys.txt line 1").hasMessageContaining("x");
        assertThatThrownBy(() -> ApiKeys.parse(List.of("k1 a 0"), "keys.txt"))
                .hasMessageContaining("keys.txt line 1").hasMessageContaining("weight of tenant a must be > 0, got 0.0");
        assertThatThrownBy(() -> ApiKeys.parse(List.of("k1 a", "k1 b"), "keys.txt"))
                .hasMessageContaining("line 2: key already listed for tenant a");
        assertThatThrownBy(() -> ApiKeys.parse(List.of("k1 a 1", "k2 a 2"), "keys.txt"))
                .hasMessageContaining("line 2: tenant a listed with");
        assertThatThrownBy(() -> ApiKeys.parse(List.of("# nothing"), "keys.txt")).hasMessageContaining("no keys");
    }
}
