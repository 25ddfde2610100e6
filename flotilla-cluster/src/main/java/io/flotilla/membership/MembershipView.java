package io.flotilla.membership;

import java.util.List;

/**
 * One agreed view of the group: the members in join order (the first is the coordinator), and
 * who joined or left since the previous view this node saw.
 */
public record MembershipView(long id, List<String> members, List<String> joined, List<String> left) {
    public MembershipView {
        members = List.copyOf(members);
        joined = List.copyOf(joined);
        left = List.copyOf(left);
    }

    public String coordinator() {
        return members.getFirst();
    }
}
