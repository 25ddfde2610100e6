package io.flotilla.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Q4_KKernelTest {
    @Test
    void scalesDecodedFromRegistersMatchTheByteWiseDecoding() {
        Random r = new Random(3);
        byte[] field = new byte[12];
        for (int rep = 0; rep < 1000; rep++) {
            r.nextBytes(field);
            MemorySegment s = MemorySegment.ofArray(field);
            long lo = s.get(Lanes.I64, 0);
            int hi = s.get(Lanes.I32, 8);
            for (int j = 0; j < 8; j++) {
                assertThat(Q4_KKernel.packedScale(lo, hi, j)).as("scale %d", j).isEqualTo(Q4_KKernel.scale(s, 0, j));
                assertThat(Q4_KKernel.packedMin(lo, hi, j)).as("min %d", j).isEqualTo(Q4_KKernel.min(s, 0, j));
            }
        }
    }
}
