package io.flotilla.tensor;

import io.flotilla.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Q8_0: blocks of 32 int8 values with one f16 scale (34 bytes). */
final class Q8_0Matrix extends WeightMatrix {
    Q8_0Matrix(MemorySegment data, int rows, int cols) {
        super(data, rows, cols, GgmlType.Q8_0);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q8_0;
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int off) {
        long base = row * rowBytes;
        for (int b = 0; b < cols / 32; b++) {
            long blk = base + 34L * b;
            float d = Float.float16ToFloat(data.get(F16Matrix.I16, blk));
            for (int i = 0; i < 32; i++) {
                dst[off + b * 32 + i] = d * data.get(ValueLayout.JAVA_BYTE, blk + 2 + i);
            }
        }
    }
}
