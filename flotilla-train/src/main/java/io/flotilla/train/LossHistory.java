package io.flotilla.train;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The training and validation loss of a run, step by step, as {@code metrics.csv} holds them.
 * Steps are strictly increasing in each series: when a resumed run wrote a step again (it had
 * been done after the last checkpoint of an interrupted run), the later row wins and the rows it
 * replays are dropped. A last line without a line break (still being written) is left out.
 *
 * @param trainSteps steps with a training loss
 * @param trainLoss  training loss of each of those steps' batch
 * @param valSteps   steps with a validation loss
 * @param valLoss    validation loss at each of those steps
 */
public record LossHistory(long[] trainSteps, double[] trainLoss, long[] valSteps, double[] valLoss) {

    public LossHistory {
        if (trainSteps.length != trainLoss.length || valSteps.length != valLoss.length) {
            throw new IllegalArgumentException("steps and losses differ in length: train " + trainSteps.length
                    + " vs " + trainLoss.length + ", validation " + valSteps.length + " vs " + valLoss.length);
        }
    }

    /** Reads a {@code metrics.csv} written by {@link Trainer} (header {@value MetricsCsv#HEADER}). */
    public static LossHistory read(Path csv) throws IOException {
        List<String> lines = MetricsCsv.completeLines(csv);
        if (lines.isEmpty() || !lines.getFirst().equals(MetricsCsv.HEADER)) {
            throw new CheckpointException(csv, 0, "expected the header line '" + MetricsCsv.HEADER + "'");
        }
        Series train = new Series(lines.size());
        Series val = new Series(lines.size());
        long offset = lines.getFirst().length() + 1;
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",", -1);
            try {
                if (f.length != 6) {
                    throw new NumberFormatException(f.length + " fields");
                }
                long step = Long.parseLong(f[0]);
                if (!f[1].isEmpty()) {
                    train.add(step, Double.parseDouble(f[1]));
                }
                if (!f[5].isEmpty()) {
                    val.add(step, Double.parseDouble(f[5]));
                }
            } catch (NumberFormatException e) {
                throw new CheckpointException(csv, offset, "expected a row of 6 comma-separated fields, got '" + line + "'");
            }
            offset += line.length() + 1;
        }
        return new LossHistory(train.steps(), train.values(), val.steps(), val.values());
    }

    /** The last validation loss, or NaN when there is none. */
    public double lastValLoss() {
        return valLoss.length == 0 ? Double.NaN : valLoss[valLoss.length - 1];
    }

    /** Steps and values with increasing steps; adding a step not after the last one drops the rows it replays. */
    private static final class Series {
        private final long[] steps;
        private final double[] values;
        private int size;

        Series(int capacity) {
            steps = new long[capacity];
            values = new double[capacity];
        }

        void add(long step, double value) {
            while (size > 0 && steps[size - 1] >= step) {
                size--;
            }
            steps[size] = step;
            values[size++] = value;
        }

        long[] steps() {
            return Arrays.copyOf(steps, size);
        }

        double[] values() {
            return Arrays.copyOf(values, size);
        }
    }
}
