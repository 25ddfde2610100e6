package io.flotilla.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class NodeLauncherTest {
    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void kill() {
        started.forEach(Process::destroyForcibly);
    }

    @Test
    void stopAllKillsEveryProcessAndWaitsForItsExit() throws Exception {
        List<Process> processes = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Process process = new ProcessBuilder("sleep", "60").start();
            started.add(process);
            processes.add(process);
        }
        assertThat(NodeLauncher.stopAll(processes)).as("still alive").isEmpty();
        assertThat(processes).noneMatch(Process::isAlive);
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
    }

    @Test
    void aFreePortCanBeBoundOnItsHost() throws Exception {
        int port = NodeLauncher.freePort("127.0.0.1");
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
            assertThat(socket.getLocalPort()).isEqualTo(port).isNotEqualTo(0);
        }
    }
}
