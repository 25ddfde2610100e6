package io.flotilla.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.placement.LinkStats;
import io.flotilla.wire.Message;
import java.util.List;
import org.junit.jupiter.api.Test;

class LinkTableTest {
    @Test
    void withoutMeasurementsTheStarEstimateIsUsed() {
        LinkTable links = new LinkTable("coordinator");
        links.putCoordinatorLink("a", new LinkStats(2e-4, 5e8));
        links.putCoordinatorLink("b", new LinkStats(4e-4, 1e9));

        assertThat(links.measured("a", "b")).isNull();
        assertThat(links.link("a", "b")).isEqualTo(new LinkStats((2e-4 + 4e-4) / 2, 5e8));
        assertThat(links.link("a", "c")).isEqualTo(new LinkStats((2e-4 + 1e-4) / 2, 5e8));
    }

    @Test
    void aNodeToNodeMeasurementReplacesTheEstimateInBothDirectionsUntilTheOtherSideMeasures() {
        LinkTable links = new LinkTable("coordinator");
        links.putCoordinatorLink("a", new LinkStats(2e-4, 5e8));
        links.putCoordinatorLink("b", new LinkStats(4e-4, 1e9));

        assertThat(links.put(new Message.LinkReport("a", "b", 0.02, 1.25e6))).isTrue();
        assertThat(links.link("a", "b")).isEqualTo(new LinkStats(0.02, 1.25e6));
        assertThat(links.link("b", "a")).isEqualTo(new LinkStats(0.02, 1.25e6));

        links.put(new Message.LinkReport("b", "a", 0.03, 2e6));
        assertThat(links.link("a", "b")).isEqualTo(new LinkStats(0.02, 1.25e6));
        assertThat(links.link("b", "a")).isEqualTo(new LinkStats(0.03, 2e6));
    }

    @Test
    void badReportsAreIgnored() {
        LinkTable links = new LinkTable("coordinator");
        assertThat(links.put(new Message.LinkReport("a", "b", -1, 1e6))).isFalse();
        assertThat(links.put(new Message.LinkReport("a", "b", 1e-3, 0))).isFalse();
        assertThat(links.put(new Message.LinkReport("a", "b", Double.NaN, 1e6))).isFalse();
        assertThat(links.put(new Message.LinkReport("a", "a", 1e-3, 1e6))).isFalse();
        assertThat(links.measured("a", "b")).isNull();
    }

    @Test
    void statusListsTheCoordinatorsLinksThenTheNodesOwnOnlyForKnownNodes() {
        LinkTable links = new LinkTable("coordinator");
        links.putCoordinatorLink("b", new LinkStats(4e-4, 1e9));
        links.putCoordinatorLink("a", new LinkStats(2e-4, 5e8));
        links.put(new Message.LinkReport("b", "a", 0.03, 2e6));
        links.put(new Message.LinkReport("a", "gone", 0.03, 2e6));

        assertThat(links.status(List.of("a", "b"))).containsExactly(
                new ClusterStatus.Link("coordinator", "a", 2e-4, 5e8),
                new ClusterStatus.Link("coordinator", "b", 4e-4, 1e9),
                new ClusterStatus.Link("b", "a", 0.03, 2e6));
    }
}
