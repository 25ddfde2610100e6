package io.flotilla.engine;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A listener that queues a request's outputs for another thread (e.g. the HTTP handler writing
 * SSE chunks on a virtual thread). Unbounded: a request produces at most maxTokens outputs.
 */
public final class RequestOutputQueue implements RequestListener {
    private final LinkedBlockingQueue<RequestOutput> queue = new LinkedBlockingQueue<>();

    @Override
    public void onOutput(RequestOutput output) {
        queue.add(output);
    }

    /** The next output, waiting for it. */
    public RequestOutput take() throws InterruptedException {
        return queue.take();
    }

    /** The next output, or null after the timeout. */
    public RequestOutput poll(long timeout, TimeUnit unit) throws InterruptedException {
        return queue.poll(timeout, unit);
    }

    /** The next output if one is ready, else null. */
    public RequestOutput poll() {
        return queue.poll();
    }

    public boolean isEmpty() {
        return queue.isEmpty();
    }
}
