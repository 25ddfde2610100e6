package io.flotilla.membership;

/** Told about every new view, in order, and about messages from members, on JGroups threads: return quickly. */
@FunctionalInterface
public interface MembershipListener {
    void viewChanged(MembershipView view);

    /** A message a member sent to this node with {@link Membership#send}. */
    default void received(String from, byte[] payload) {
    }
}
