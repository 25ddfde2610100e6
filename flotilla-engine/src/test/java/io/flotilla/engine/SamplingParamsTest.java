package io.flotilla.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SamplingParamsTest {

    @Test
    void defaultsAreGreedyAndNeutral() {
        SamplingParams p = SamplingParams.defaults();
        assertThat(p.isGreedy()).isTrue();
        assertThat(p.usesPenalties()).isFalse();
        assertThat(p.maxTokens()).isEqualTo(Integer.MAX_VALUE);
        assertThat(p.withPenalties(0.5f, 0, 1).usesPenalties()).isTrue();
        assertThat(p.withStopTokenIds(7, 9).isStopToken(9)).isTrue();
        assertThat(p.withStopTokenIds(7, 9)).isEqualTo(SamplingParams.defaults().withStopTokenIds(7, 9));
    }

    @Test
    void rejectsOutOfRangeValuesNamingThem() {
        assertThatThrownBy(() -> SamplingParams.defaults().withTemperature(-1)).hasMessageContaining("temperature")
                .hasMessageContaining("-1.0");
        assertThatThrownBy(() -> SamplingParams.defaults().withTopPTopKMinP(0f, 0, 0)).hasMessageContaining("topP");
        assertThatThrownBy(() -> SamplingParams.greedy(0)).hasMessageContaining("maxTokens");
        assertThatThrownBy(() -> SamplingParams.defaults().withLogprobs(21)).hasMessageContaining("logprobs");
        assertThatThrownBy(() -> SamplingParams.defaults().withPenalties(3, 0, 1)).hasMessageContaining("presencePenalty");
    }

    @Test
    void requestsCopyTheirPromptAndDefaultTheTenant() {
        int[] prompt = {1, 2, 3};
        Request r = new Request("r", prompt, SamplingParams.greedy(1), null, 5);
        prompt[0] = 99;
        assertThat(r.promptToken(0)).isEqualTo(1);
        assertThat(r.tenantId()).isEqualTo(Request.DEFAULT_TENANT);
        assertThatThrownBy(() -> new Request("e", new int[0], SamplingParams.greedy(1), "t", 0))
                .hasMessageContaining("e has an empty prompt");
    }
}
