package io.flotilla.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LossPlotTest {

    @TempDir
    Path dir;

    /** 300 steps of a decaying, noisy training loss and a validation loss every 100 steps. */
    static LossHistory decaying() {
        long[] steps = new long[300];
        double[] loss = new double[300];
        for (int i = 0; i < steps.length; i++) {
            steps[i] = i + 1;
            loss[i] = 1.5 + 4 * Math.exp(-i / 60.0) + 0.1 * Math.sin(i * 1.7);
        }
        return new LossHistory(steps, loss, new long[] {100, 200, 300}, new double[] {2.3, 1.8, 1.65});
    }

    @Test
    void writesAValidNonBlankPngOfTheExpectedSize() throws Exception {
        Path png = dir.resolve("loss.png");
        LossPlot.write(decaying(), png);

        byte[] bytes = Files.readAllBytes(png);
        assertThat(bytes).startsWith(0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n');
        BufferedImage image;
        try (InputStream in = Files.newInputStream(png)) {
            image = ImageIO.read(in);
        }
        assertThat(image.getWidth()).isEqualTo(LossPlot.WIDTH);
        assertThat(image.getHeight()).isEqualTo(LossPlot.HEIGHT);
        Set<Integer> colors = new HashSet<>();
        int dark = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y) & 0xFFFFFF;
                colors.add(rgb);
                if ((rgb & 0xFF) < 128 && (rgb >> 8 & 0xFF) < 128 && (rgb >> 16) < 128) {
                    dark++;
                }
            }
        }
        assertThat(colors.size()).as("distinct colours").isGreaterThan(20);
        assertThat(dark).as("dark pixels (axes, labels)").isGreaterThan(2_000);
        assertThat(dir.resolve("loss.png.tmp")).doesNotExist();
    }

    @Test
    void validationPointsAndTrainingCurveAreDrawnInTheirColours() {
        BufferedImage image = LossPlot.render(decaying(), 640, 400);
        int orange = 0;
        int blue = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y) & 0xFFFFFF;
                orange += rgb == 0xDC6E14 ? 1 : 0;
                blue += rgb == 0x1F5AB4 ? 1 : 0;
            }
        }
        assertThat(orange).isGreaterThan(100);
        assertThat(blue).isGreaterThan(300);
    }

    @Test
    void anEmptyHistoryStillGivesAxes() {
        BufferedImage image = LossPlot.render(new LossHistory(new long[0], new double[0], new long[0], new double[0]),
                400, 300);
        assertThat(image.getRGB(72, 150) & 0xFFFFFF).isEqualTo(0); // left axis
    }

    @Test
    void ticksAreRoundNumbersCoveringTheRange() {
        LossPlot.Ticks t = LossPlot.Ticks.of(1.37, 6.93);
        assertThat(t.step()).isEqualTo(2.0);
        assertThat(t.min()).isEqualTo(0.0);
        assertThat(t.max()).isEqualTo(8.0);
        assertThat(t.label(t.at(2))).isEqualTo("4");
        LossPlot.Ticks s = LossPlot.Ticks.of(0, 4000);
        assertThat(s.step()).isEqualTo(1000.0);
        assertThat(s.count()).isEqualTo(5);
        assertThat(LossPlot.Ticks.of(1.62, 1.71).label(1.65)).isEqualTo("1.65");
    }

    @Test
    void movingMeanAveragesACentredWindow() {
        assertThat(LossPlot.movingMean(new double[] {2, 4, 6, 8}, 3)).containsExactly(3, 4, 6, 7);
        assertThat(LossPlot.movingMean(new double[] {2, 4, 6, 8}, 1)).containsExactly(2, 4, 6, 8);
    }

    @Test
    void tooSmallAPlotIsRefusedWithItsSize() {
        assertThatThrownBy(() -> LossPlot.render(decaying(), 100, 100))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("100x100");
    }
}
