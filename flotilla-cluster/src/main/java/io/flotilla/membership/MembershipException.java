package io.flotilla.membership;

/** The node could not join (or form) the group; the message says which node, cluster and why. */
public class MembershipException extends Exception {
    public MembershipException(String message, Throwable cause) {
        super(message, cause);
    }
}
