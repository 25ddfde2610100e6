package io.flotilla.server;

import io.flotilla.engine.EngineCore;
import io.flotilla.engine.FinishReason;
import io.flotilla.engine.Request;
import io.flotilla.engine.RequestOutput;
import io.flotilla.exec.TokenLogprobs;
import io.flotilla.generate.StopMatcher;
import io.flotilla.tokenizer.StreamingDetokenizer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one API call on the engine: submits every choice as an engine request, then, on the
 * calling thread, turns the engine's token outputs into text (incremental detokenizing, stop
 * strings held back until they cannot match) for a {@link GenerationSink}. When a stop string
 * appears the engine request is finished at once; when the sink fails (client gone) or the
 * thread is interrupted, every unfinished request is aborted so its KV blocks are freed.
 */
public final class Generation {
    private static final Logger LOG = LoggerFactory.getLogger(Generation.class);

    private record Event(int choice, RequestOutput output, long nanos) {
    }

    /** One choice's decoding state. */
    private static final class ChoiceState {
        final String engineId;
        final StreamingDetokenizer detokenizer;
        final StopMatcher stops;
        boolean reported;   // finish given to the sink
        boolean finished;   // last engine output seen
        int tokens;
        long lastTokenNanos = -1;

        ChoiceState(String engineId, StreamingDetokenizer detokenizer, StopMatcher stops) {
            this.engineId = engineId;
            this.detokenizer = detokenizer;
            this.stops = stops;
        }
    }

    private final ServedModel model;
    private final GenerationSpec spec;
    private final ServerMetrics metrics;
    private final LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final List<ChoiceState> states = new ArrayList<>();
    private final List<RequestOutput> lastOutputs = new ArrayList<>();
    private int unfinished;

    public Generation(ServedModel model, GenerationSpec spec, ServerMetrics metrics) {
        this.model = model;
        this.spec = spec;
        this.metrics = metrics;
    }

    /** Submits the choices and streams them to {@code sink} until all have ended; aborts what is left on failure. */
    public void run(GenerationSink sink) throws IOException, InterruptedException {
        EngineCore engine = model.engine();
        try {
            submit(engine);
            while (unfinished > 0) {
                Event e = events.take();
                handle(e, sink, engine);
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            abortUnfinished(engine);
            throw e;
        }
    }

    /** The last engine output of every choice that ended in the engine (stats for spans and logs). */
    public List<RequestOutput> lastOutputs() {
        return List.copyOf(lastOutputs);
    }

    private void submit(EngineCore engine) {
        for (GenerationSpec.Choice c : spec.choices()) {
            String id = spec.requestId() + "-" + c.index();
            StreamingDetokenizer detokenizer = spec.continuation()
                    ? StreamingDetokenizer.continuation(model.tokenizer()) : new StreamingDetokenizer(model.tokenizer());
            states.add(new ChoiceState(id, detokenizer, new StopMatcher(spec.stopStrings())));
            int choice = states.size() - 1;
            unfinished++;
            engine.addRequest(new Request(id, c.promptTokenIds(), c.params(), spec.tenantId(), engine.now()),
                    out -> {
                        if (out.finished()) { // counted here too when nobody reads any more (client gone)
                            metrics.requestFinished(spec.tenantId(), out);
                        }
                        events.add(new Event(choice, out, System.nanoTime()));
                    });
        }
    }

    private void handle(Event e, GenerationSink sink, EngineCore engine) throws IOException {
        ChoiceState s = states.get(e.choice());
        RequestOutput out = e.output();
        if (out.finished()) {
            s.finished = true;
            unfinished--;
            lastOutputs.add(out);
        }
        if (s.reported) {
            return; // tokens computed after a stop string, or the engine's answer to our finish
        }
        int index = spec.choices().get(e.choice()).index();
        StringBuilder text = new StringBuilder();
        for (int id : out.newTokenIds()) {
            text.append(s.detokenizer.accept(id));
            if (s.lastTokenNanos >= 0) {
                metrics.interTokenLatency(e.nanos() - s.lastTokenNanos);
            }
            s.lastTokenNanos = e.nanos();
            s.tokens++;
        }
        String visible = s.stops.accept(text.toString());
        List<TokenLogprobs> logprobs = out.logprobs();
        if (s.stops.stopped()) {
            report(sink, s, index, visible, logprobs, FinishReason.STOP, s.tokens);
            if (!s.finished) {
                engine.finish(s.engineId, FinishReason.STOP);
            }
        } else if (out.finished()) {
            visible += s.stops.accept(s.detokenizer.flush());
            FinishReason reason = s.stops.stopped() ? FinishReason.STOP : out.finishReason();
            visible += s.stops.flush();
            report(sink, s, index, visible, logprobs, reason, out.numOutputTokens());
        } else if (!visible.isEmpty() || !logprobs.isEmpty()) {
            sink.text(index, visible, logprobs);
        }
    }

    private static void report(GenerationSink sink, ChoiceState s, int index, String text, List<TokenLogprobs> logprobs,
            FinishReason reason, int tokens) throws IOException {
        s.reported = true;
        if (!text.isEmpty() || !logprobs.isEmpty()) {
            sink.text(index, text, logprobs);
        }
        sink.finish(index, reason, tokens);
    }

    private void abortUnfinished(EngineCore engine) {
        for (ChoiceState s : states) {
            if (!s.finished) {
                LOG.debug("aborting engine request {}", s.engineId);
                engine.abort(s.engineId);
            }
        }
    }
}
