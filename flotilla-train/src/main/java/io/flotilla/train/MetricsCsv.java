package io.flotilla.train;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/** {@code metrics.csv} next to the checkpoint: one row per step, validation loss on evaluation steps. */
final class MetricsCsv implements AutoCloseable {

    static final String HEADER = "step,loss,lr,grad_norm,tokens_per_s,val_loss";

    private final BufferedWriter out;

    MetricsCsv(Path file, boolean append) throws IOException {
        boolean fresh = !append || !Files.exists(file);
        out = fresh
                ? Files.newBufferedWriter(file, StandardCharsets.UTF_8)
                : Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        if (fresh) {
            out.write(HEADER);
            out.newLine();
        }
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
