package io.flotilla.transport;

import java.io.IOException;

/** The peer could not prove that it holds the cluster token (or we could not prove it to the peer). */
public class AuthenticationException extends IOException {
    public AuthenticationException(String message) {
        super(message);
    }
}
