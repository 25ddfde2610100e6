package io.flotilla.kernel;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Float weights against float activations: F32, F16 and BF16 rows, widened lane by lane and
 * multiplied with fused multiply-add; vector body, scalar tail.
 */
final class FloatKernels {
    private FloatKernels() {
    }

    static final class F32 extends DotKernel {
        @Override
        boolean quantized() {
            return false;
        }

        @Override
        float dot(MemorySegment w, long row, Activations a, int t) {
            int cols = a.cols();
            float[] x = a.x();
            int xo = t * cols;
            int step = Lanes.F.length();
            int upper = cols - cols % step;
            FloatVector acc = FloatVector.zero(Lanes.F);
            int i = 0;
            for (; i < upper; i += step) {
                FloatVector v = FloatVector.fromMemorySegment(Lanes.F, w, row + 4L * i, ByteOrder.LITTLE_ENDIAN);
                acc = v.fma(FloatVector.fromArray(Lanes.F, x, xo + i), acc);
            }
            float sum = Lanes.sum(acc);
            for (; i < cols; i++) {
                sum += w.get(Lanes.F32, row + 4L * i) * x[xo + i];
            }
            return sum;
        }

        @Override
        float dotScalar(MemorySegment w, long row, Activations a, int t) {
            float sum = 0f;
            for (int i = 0; i < a.cols(); i++) {
                sum += w.get(Lanes.F32, row + 4L * i) * a.x()[t * a.cols() + i];
            }
            return sum;
        }
    }

    /**
     * Halves widen by moving exponent and mantissa into place ({@code bits << 13}) and scaling by
     * 2^112, which also gets subnormals right; infinities and NaNs (never in weights) do not survive.
     */
    static final class F16 extends DotKernel {
        @Override
        boolean quantized() {
            return false;
        }

        @Override
        float dot(MemorySegment w, long row, Activations a, int t) {
            int cols = a.cols();
            float[] x = a.x();
            int xo = t * cols;
            int step = Lanes.F.length();
            int upper = cols - cols % step;
            FloatVector acc = FloatVector.zero(Lanes.F);
            int i = 0;
            for (; i < upper; i += step) {
                IntVector h = (IntVector) ShortVector.fromMemorySegment(Lanes.SF, w, row + 2L * i, ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.S2I, Lanes.I, 0);
                FloatVector mag = h.and(0x7FFF).lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(0x1p112f);
                FloatVector v = mag.reinterpretAsInts().or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16))
                        .reinterpretAsFloats();
                acc = v.fma(FloatVector.fromArray(Lanes.F, x, xo + i), acc);
            }
            float sum = Lanes.sum(acc);
            for (; i < cols; i++) {
                sum += Float.float16ToFloat(w.get(Lanes.I16, row + 2L * i)) * x[xo + i];
            }
            return sum;
        }

        @Override
        float dotScalar(MemorySegment w, long row, Activations a, int t) {
            float sum = 0f;
            for (int i = 0; i < a.cols(); i++) {
                sum += Float.float16ToFloat(w.get(Lanes.I16, row + 2L * i)) * a.x()[t * a.cols() + i];
            }
            return sum;
        }
    }

    /**
     * bfloat16 widens by a 16-bit left shift. Activations are rounded to bfloat16 (to nearest, ties to
     * even) before the product, as llama.cpp's CPU backend does for BF16 weights ({@code vec_dot_type}
     * BF16): without it, greedy paths part from llama.cpp's at near-ties.
     */
    static final class Bf16 extends DotKernel {
        @Override
        boolean quantized() {
            return false;
        }

        @Override
        float dot(MemorySegment w, long row, Activations a, int t) {
            int cols = a.cols();
            float[] x = a.x();
            int xo = t * cols;
            int step = Lanes.F.length();
            int upper = cols - cols % step;
            FloatVector acc = FloatVector.zero(Lanes.F);
            int i = 0;
            for (; i < upper; i += step) {
                FloatVector v = ((IntVector) ShortVector.fromMemorySegment(Lanes.SF, w, row + 2L * i, ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.ZERO_EXTEND_S2I, Lanes.I, 0))
                        .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                IntVector xi = FloatVector.fromArray(Lanes.F, x, xo + i).reinterpretAsInts();
                FloatVector xr = xi.add(xi.lanewise(VectorOperators.LSHR, 16).and(1).add(0x7FFF))
                        .and(0xFFFF0000).reinterpretAsFloats();
                acc = v.fma(xr, acc);
            }
            float sum = Lanes.sum(acc);
            for (; i < cols; i++) {
                sum += bf16(w, row + 2L * i) * roundToBf16(x[xo + i]);
            }
            return sum;
        }

        @Override
        float dotScalar(MemorySegment w, long row, Activations a, int t) {
            float sum = 0f;
            for (int i = 0; i < a.cols(); i++) {
                sum += bf16(w, row + 2L * i) * roundToBf16(a.x()[t * a.cols() + i]);
            }
            return sum;
        }

        /** ggml's fp32 → bf16 conversion (round to nearest even), widened back to float. */
        static float roundToBf16(float f) {
            int u = Float.floatToRawIntBits(f);
            return Float.intBitsToFloat((u + 0x7FFF + ((u >>> 16) & 1)) & 0xFFFF0000);
        }

        private static float bf16(MemorySegment w, long off) {
            return Float.intBitsToFloat((w.get(Lanes.I16, off) & 0xFFFF) << 16);
        }
    }
}
