package io.flotilla.engine;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an {@link EngineCore}'s steps on one platform thread: steps while there is work, sleeps
 * on the inbox when idle. {@link #close()} stops the thread after the current step.
 */
public final class EngineLoop implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EngineLoop.class);
    private static final Duration IDLE_WAIT = Duration.ofMillis(50);

    private final EngineCore core;
    private volatile boolean running;
    private Thread thread;

    public EngineLoop(EngineCore core) {
        this.core = core;
    }

    public synchronized void start() {
        if (thread != null) {
            throw new IllegalStateException("engine loop already started");
        }
        running = true;
        thread = Thread.ofPlatform().name("flotilla-engine").daemon(true).start(this::run);
    }

    private void run() {
        try {
            while (running) {
                if (core.awaitWork(IDLE_WAIT)) {
                    core.step();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("engine loop stopped by an unexpected error", e);
        }
    }

    /** Stops the loop and waits for its thread; an interrupt while waiting is kept on the caller's thread. */
    @Override
    public synchronized void close() {
        running = false;
        if (thread != null) {
            try {
                thread.join();
                thread = null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
