package io.flotilla.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.flotilla.pipeline.ClusterStatus;

/** {@link ClusterStatus} as JSON with snake_case names, and back. */
final class ClusterStatusJson {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    private ClusterStatusJson() {
    }

    static String write(ClusterStatus status) {
        try {
            return MAPPER.writeValueAsString(status);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot write the cluster status as JSON", e);
        }
    }

    static ClusterStatus read(String json) throws java.io.IOException {
        return MAPPER.readValue(json, ClusterStatus.class);
    }
}
