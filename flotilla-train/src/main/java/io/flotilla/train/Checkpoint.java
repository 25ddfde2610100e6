package io.flotilla.train;

import io.flotilla.train.data.ShardLoader;
import io.flotilla.train.model.ModelConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Everything needed to continue a run exactly: model shape, step, RNG state, data position,
 * parameters and AdamW moments. Written atomically (a temp file in the same folder, then a move).
 *
 * @param model    shape of the model the buffers belong to
 * @param step     optimizer steps done
 * @param tokens   training tokens consumed
 * @param rngState state of the trainer's generator
 * @param position where the data loader stands
 * @param params   parameters
 * @param m        AdamW first moments
 * @param v        AdamW second moments
 */
public record Checkpoint(ModelConfig model, long step, long tokens, long rngState, ShardLoader.Position position,
                         float[] params, float[] m, float[] v) {

    private static final long MAGIC = 0x464C4F54434B5031L; // "FLOTCKP1"
    private static final int HEADER = 8 + 12 * 4 + 6 * 8 + 4;

    public void write(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer head = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
            head.putLong(MAGIC);
            ModelConfig c = model;
            head.putInt(c.vocab()).putInt(c.dim()).putInt(c.layers()).putInt(c.heads()).putInt(c.kvHeads())
                    .putInt(c.ffnHidden()).putInt(c.context()).putFloat(c.ropeBase()).putFloat(c.normEps())
                    .putInt(c.experts()).putInt(c.expertsUsed()).putFloat(c.auxLossWeight());
            head.putLong(step).putLong(tokens).putLong(rngState).putLong(position.epoch()).putLong(position.cursor());
            head.putLong(0L).putInt(params.length);
            writeFully(ch, head.flip());
            for (float[] a : new float[][] {params, m, v}) {
                ByteBuffer buf = ByteBuffer.allocate(a.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                buf.asFloatBuffer().put(a);
                writeFully(ch, buf);
            }
            ch.force(true);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    public static Checkpoint read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer head = readFully(ch, file, 0, HEADER);
            long magic = head.getLong();
            if (magic != MAGIC) {
                throw new CheckpointException(file, 0, "expected magic FLOTCKP1, found 0x" + Long.toHexString(magic));
            }
            ModelConfig model;
            try {
                model = new ModelConfig(head.getInt(), head.getInt(), head.getInt(), head.getInt(), head.getInt(),
                        head.getInt(), head.getInt(), head.getFloat(), head.getFloat(), head.getInt(), head.getInt(),
                        head.getFloat());
            } catch (IllegalArgumentException e) {
                throw new CheckpointException(file, 8, "invalid model shape: " + e.getMessage());
            }
            long step = head.getLong();
            long tokens = head.getLong();
            long rng = head.getLong();
            ShardLoader.Position pos = new ShardLoader.Position(head.getLong(), (int) head.getLong());
            head.getLong();
            int n = head.getInt();
            long expected = HEADER + 3L * n * 4;
            if (n < 0 || ch.size() != expected) {
                throw new CheckpointException(file, HEADER - 4, "expected " + n + " parameters (" + expected
                        + " bytes in all), file has " + ch.size() + " bytes");
            }
            float[][] arrays = new float[3][n];
            for (int i = 0; i < 3; i++) {
                readFully(ch, file, HEADER + (long) i * n * 4, n * 4).asFloatBuffer().get(arrays[i]);
            }
            return new Checkpoint(model, step, tokens, rng, pos, arrays[0], arrays[1], arrays[2]);
        }
    }

    private static ByteBuffer readFully(FileChannel ch, Path file, long offset, int size) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        while (buf.hasRemaining()) {
            if (ch.read(buf, offset + buf.position()) < 0) {
                throw new CheckpointException(file, offset + buf.position(), "expected " + size
                        + " bytes from offset " + offset + ", file ends early");
            }
        }
        return buf.flip();
    }
}
