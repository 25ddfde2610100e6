package io.flotilla.train;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * Draws a {@link LossHistory} as a PNG: training loss per step (raw, and a moving mean), validation
 * loss at each evaluation, on linear axes with tick labels and a legend. Runs headless (no display
 * needed): {@code java.awt.headless} is set to true unless the caller chose otherwise.
 */
public final class LossPlot {

    public static final int WIDTH = 800;
    public static final int HEIGHT = 480;
    private static final int LEFT = 72;
    private static final int RIGHT = 24;
    private static final int TOP = 40;
    private static final int BOTTOM = 56;
    private static final Color RAW = new Color(170, 195, 230);
    private static final Color MEAN = new Color(31, 90, 180);
    private static final Color VAL = new Color(220, 110, 20);
    private static final Color GRID = new Color(228, 228, 228);

    private LossPlot() {}

    /** Writes the plot of {@code history} to {@code png} ({@value #WIDTH}×{@value #HEIGHT}), atomically. */
    public static void write(LossHistory history, Path png) throws IOException {
        Path tmp = png.resolveSibling(png.getFileName() + ".tmp");
        if (!ImageIO.write(render(history, WIDTH, HEIGHT), "png", tmp.toFile())) {
            throw new IOException(png + ": no PNG writer in this Java runtime");
        }
        Files.move(tmp, png, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The plot as an RGB image of the given size. */
    public static BufferedImage render(LossHistory history, int width, int height) {
        if (width < LEFT + RIGHT + 100 || height < TOP + BOTTOM + 100) {
            throw new IllegalArgumentException("plot of " + width + "x" + height + " is too small: at least "
                    + (LEFT + RIGHT + 100) + "x" + (TOP + BOTTOM + 100));
        }
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            Frame f = Frame.of(history, width, height);
            axes(g, f);
            curves(g, f, history);
            legend(g, f, history);
        } finally {
            g.dispose();
        }
        return image;
    }

    /** Data ranges (rounded out to ticks) and the pixel box they map to. */
    private record Frame(Ticks x, Ticks y, int x0, int y0, int x1, int y1) {
        static Frame of(LossHistory h, int width, int height) {
            double maxStep = 1;
            double lo = Double.POSITIVE_INFINITY;
            double hi = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < h.trainSteps().length; i++) {
                maxStep = Math.max(maxStep, h.trainSteps()[i]);
                lo = Math.min(lo, h.trainLoss()[i]);
                hi = Math.max(hi, h.trainLoss()[i]);
            }
            for (int i = 0; i < h.valSteps().length; i++) {
                maxStep = Math.max(maxStep, h.valSteps()[i]);
                lo = Math.min(lo, h.valLoss()[i]);
                hi = Math.max(hi, h.valLoss()[i]);
            }
            if (!(lo <= hi) || !Double.isFinite(hi - lo)) {
                lo = 0;
                hi = 1;
            }
            return new Frame(Ticks.of(0, maxStep), Ticks.of(lo, hi), LEFT, TOP, width - RIGHT, height - BOTTOM);
        }

        double px(double step) {
            return x0 + (step - x.min()) / (x.max() - x.min()) * (x1 - x0);
        }

        double py(double loss) {
            return y1 - (loss - y.min()) / (y.max() - y.min()) * (y1 - y0);
        }
    }

    /** About six round tick values (1, 2 or 5 times a power of ten apart) covering [lo, hi]. */
    record Ticks(double min, double max, double step) {
        static Ticks of(double lo, double hi) {
            double span = hi - lo;
            if (span <= 0) {
                span = Math.max(Math.abs(hi), 1) * 0.1;
                lo -= span / 2;
                hi += span / 2;
            }
            double raw = span / 5;
            double unit = Math.pow(10, Math.floor(Math.log10(raw)));
            double f = raw / unit;
            double step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * unit;
            return new Ticks(Math.floor(lo / step) * step, Math.ceil(hi / step) * step, step);
        }

        int count() {
            return (int) Math.round((max - min) / step) + 1;
        }

        double at(int i) {
            return min + i * step;
        }

        String label(double v) {
            int decimals = Math.max(0, (int) -Math.floor(Math.log10(step) + 1e-9));
            return String.format(Locale.ROOT, "%." + decimals + "f", v);
        }
    }

    private static void axes(Graphics2D g, Frame f) {
        FontMetrics fm = g.getFontMetrics();
        for (int i = 0; i < f.y().count(); i++) {
            double v = f.y().at(i);
            int y = (int) Math.round(f.py(v));
            g.setColor(GRID);
            g.drawLine(f.x0(), y, f.x1(), y);
            g.setColor(Color.DARK_GRAY);
            g.drawLine(f.x0() - 5, y, f.x0(), y);
            String s = f.y().label(v);
            g.drawString(s, f.x0() - 8 - fm.stringWidth(s), y + fm.getAscent() / 2 - 1);
        }
        for (int i = 0; i < f.x().count(); i++) {
            double v = f.x().at(i);
            int x = (int) Math.round(f.px(v));
            g.setColor(GRID);
            g.drawLine(x, f.y0(), x, f.y1());
            g.setColor(Color.DARK_GRAY);
            g.drawLine(x, f.y1(), x, f.y1() + 5);
            String s = f.x().label(v);
            g.drawString(s, x - fm.stringWidth(s) / 2, f.y1() + 8 + fm.getAscent());
        }
        g.setColor(Color.BLACK);
        g.drawRect(f.x0(), f.y0(), f.x1() - f.x0(), f.y1() - f.y0());
        String xName = "step";
        g.drawString(xName, (f.x0() + f.x1() - fm.stringWidth(xName)) / 2, f.y1() + 30 + fm.getAscent());
        Graphics2D rotated = (Graphics2D) g.create();
        rotated.rotate(-Math.PI / 2);
        String yName = "loss (nats per token)";
        rotated.drawString(yName, -(f.y0() + f.y1() + fm.stringWidth(yName)) / 2, 18);
        rotated.dispose();
        g.setFont(g.getFont().deriveFont(Font.BOLD, 14f));
        g.drawString("training and validation loss", f.x0(), f.y0() - 14);
        g.setFont(g.getFont().deriveFont(Font.PLAIN, 12f));
    }

    private static void curves(Graphics2D g, Frame f, LossHistory h) {
        g.setClip(f.x0() - 5, f.y0() - 5, f.x1() - f.x0() + 11, f.y1() - f.y0() + 11); // room for the dots
        g.setStroke(new BasicStroke(1f));
        g.setColor(RAW);
        g.draw(line(f, h.trainSteps(), h.trainLoss()));
        g.setStroke(new BasicStroke(2f));
        g.setColor(MEAN);
        g.draw(line(f, h.trainSteps(), movingMean(h.trainLoss(), meanWindow(h))));
        g.setColor(VAL);
        g.draw(line(f, h.valSteps(), h.valLoss()));
        for (int i = 0; i < h.valSteps().length; i++) {
            int x = (int) Math.round(f.px(h.valSteps()[i]));
            int y = (int) Math.round(f.py(h.valLoss()[i]));
            g.fillOval(x - 4, y - 4, 8, 8);
        }
        g.setClip(null);
    }

    private static Path2D line(Frame f, long[] steps, double[] values) {
        Path2D p = new Path2D.Double();
        for (int i = 0; i < steps.length; i++) {
            if (i == 0) {
                p.moveTo(f.px(steps[i]), f.py(values[i]));
            } else {
                p.lineTo(f.px(steps[i]), f.py(values[i]));
            }
        }
        return p;
    }

    /** Steps averaged by the smoothed training curve: about a fiftieth of the run, at least one. */
    private static int meanWindow(LossHistory h) {
        return Math.max(1, h.trainSteps().length / 50);
    }

    /** Centred mean over up to {@code window} values (fewer at the ends): it does not lag behind the curve. */
    static double[] movingMean(double[] v, int window) {
        double[] prefix = new double[v.length + 1];
        for (int i = 0; i < v.length; i++) {
            prefix[i + 1] = prefix[i] + v[i];
        }
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            int lo = Math.max(0, i - window / 2);
            int hi = Math.min(v.length - 1, i + (window - 1) / 2);
            out[i] = (prefix[hi + 1] - prefix[lo]) / (hi - lo + 1);
        }
        return out;
    }

    private static void legend(Graphics2D g, Frame f, LossHistory h) {
        String[] names = {
            "train loss (each step)",
            meanWindow(h) == 1 ? "train loss" : "train loss (mean over " + meanWindow(h) + " steps)",
            Double.isNaN(h.lastValLoss()) ? "validation loss"
                    : String.format(Locale.ROOT, "validation loss (last %.3f)", h.lastValLoss())};
        Color[] colors = {RAW, MEAN, VAL};
        FontMetrics fm = g.getFontMetrics();
        int textWidth = 0;
        for (String n : names) {
            textWidth = Math.max(textWidth, fm.stringWidth(n));
        }
        int row = fm.getHeight() + 4;
        int w = textWidth + 48;
        int x = f.x1() - w - 10;
        int y = f.y0() + 10;
        g.setColor(Color.WHITE);
        g.fillRect(x, y, w, row * names.length + 8);
        g.setColor(Color.GRAY);
        g.drawRect(x, y, w, row * names.length + 8);
        for (int i = 0; i < names.length; i++) {
            int cy = y + 4 + row * i + row / 2;
            g.setColor(colors[i]);
            g.setStroke(new BasicStroke(i == 0 ? 1f : 2f));
            g.drawLine(x + 8, cy, x + 32, cy);
            if (i == 2) {
                g.fillOval(x + 16, cy - 4, 8, 8);
            }
            g.setColor(Color.BLACK);
            g.drawString(names[i], x + 40, cy + fm.getAscent() / 2 - 1);
        }
    }
}
