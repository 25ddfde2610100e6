package io.flotilla.train;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code metrics.csv} next to the checkpoint: one row per step, validation loss on evaluation steps.
 * A resumed run appends; rows past the checkpoint's step (written by the interrupted run after its
 * last checkpoint, and about to be trained again) are dropped first, so every step appears once.
 */
final class MetricsCsv implements AutoCloseable {

    static final String HEADER = "step,loss,lr,grad_norm,tokens_per_s,val_loss";

    private final BufferedWriter out;

    MetricsCsv(Path file, boolean append) throws IOException {
        this(file, append, Long.MAX_VALUE);
    }

    MetricsCsv(Path file, boolean append, long resumeStep) throws IOException {
        if (append && Files.exists(file)) {
            dropRowsAfter(file, resumeStep);
        }
        boolean fresh = !append || !Files.exists(file) || Files.size(file) == 0;
        out = fresh
                ? Files.newBufferedWriter(file, StandardCharsets.UTF_8)
                : Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        if (fresh) {
            out.write(HEADER);
            out.newLine();
        }
    }

    private static void dropRowsAfter(Path file, long step) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        List<String> lines = completeLines(text);
        boolean partial = !text.isEmpty() && !text.endsWith("\n");
        List<String> kept = new ArrayList<>(lines.size());
        for (String line : lines) {
            int comma = line.indexOf(',');
            String first = comma < 0 ? line : line.substring(0, comma);
            boolean numbered = !first.isEmpty() && first.chars().allMatch(Character::isDigit);
            if (kept.isEmpty() || !numbered || Long.parseLong(first) <= step) {
                kept.add(line);
            }
        }
        if (partial || kept.size() < lines.size()) {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.write(tmp, kept, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    /** The lines of a CSV that ends with a line break; a last line without one (cut off by a crash) is left out. */
    static List<String> completeLines(Path file) throws IOException {
        return completeLines(Files.readString(file, StandardCharsets.UTF_8));
    }

    private static List<String> completeLines(String text) {
        List<String> lines = new ArrayList<>(text.lines().toList());
        if (!text.isEmpty() && !text.endsWith("\n")) {
            lines.removeLast();
        }
        return lines;
    }

    /** Writes buffered rows out (before a checkpoint, so that they survive a crash after it). */
    void flush() throws IOException {
        out.flush();
    }

    void step(TrainProgress p) throws IOException {
        out.write(String.format(Locale.ROOT, "%d,%.6f,%.6g,%.4f,%.1f,", p.step(), p.loss(), p.lr(), p.gradNorm(),
                p.tokensPerSecond()));
        out.newLine();
    }

    void eval(long step, double valLoss) throws IOException {
        out.write(String.format(Locale.ROOT, "%d,,,,,%.6f", step, valLoss));
        out.newLine();
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
