package io.flotilla.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * TCP ports on 127.0.0.1 that were free a moment ago, for processes and members that must be told
 * their port up front. Another process may take one before it is used: prefer port 0 where the
 * listener can report the port it got.
 */
public final class FreePorts {
    private FreePorts() {}

    /** One free port on the loopback address. */
    public static int loopback() throws IOException {
        return loopback(1)[0];
    }

    /** {@code count} distinct free ports on the loopback address (all held open until each is known). */
    public static int[] loopback(int count) throws IOException {
        if (count < 1) {
            throw new IllegalArgumentException("count must be >= 1, got " + count);
        }
        int[] ports = new int[count];
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                sockets.add(socket);
                ports[i] = socket.getLocalPort();
            }
        } finally {
            for (ServerSocket socket : sockets) {
                socket.close();
            }
        }
        return ports;
    }
}
