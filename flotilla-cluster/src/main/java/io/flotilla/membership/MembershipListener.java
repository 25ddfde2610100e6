package io.flotilla.membership;

/** Told about every new view, in order, on a JGroups thread: return quickly. */
@FunctionalInterface
public interface MembershipListener {
    void viewChanged(MembershipView view);
}
