package io.flotilla.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HugePagesTest {
    private static final long MB = 1 << 20;

    @TempDir
    Path dir;

    @Test
    void movesTheWholePagesInsideTheRangesAskedForAndTheBytesStayTheSame() throws IOException, InterruptedException {
        Assumptions.assumeTrue(HugePages.enabled(), "native library not loaded or huge pages off");
        byte[] content = new byte[(int) (12 * MB)];
        new Random(7).nextBytes(content);
        Path file = Files.write(dir.resolve("weights.bin"), content);
        try (Arena arena = Arena.ofShared(); FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MemorySegment all = ch.map(FileChannel.MapMode.READ_ONLY, 0, content.length, arena);
            MemorySegment a = all.asSlice(100, 3 * MB);                 // [100, 3 MiB + 100)
            MemorySegment b = all.asSlice(3 * MB + 1100, 6 * MB);       // 1000 bytes later: merged with a
            MemorySegment far = all.asSlice(10 * MB, 2 * MB - 1);       // beyond the gap: on its own
            long before = HugePages.movedBytes();

            HugePages.request(a);
            HugePages.awaitIdle();
            long afterA = HugePages.movedBytes() - before;
            assertThat(afterA).isEqualTo(HugePages.PAGE * pagesInside(a.address(), a.address() + a.byteSize()));
            HugePages.request(b);
            HugePages.request(b); // once per segment
            HugePages.awaitIdle();
            long merged = HugePages.movedBytes() - before;
            assertThat(merged).isEqualTo(HugePages.PAGE * pagesInside(a.address(), b.address() + b.byteSize()));
            HugePages.request(far); // shorter than a page: nothing moves
            HugePages.awaitIdle();
            assertThat(HugePages.movedBytes() - before).isEqualTo(merged);
            assertThat(merged).isGreaterThanOrEqualTo(3 * HugePages.PAGE);

            for (int i = 0; i < content.length; i += 4093) {
                assertThat(all.get(ValueLayout.JAVA_BYTE, i)).as("byte %d", i).isEqualTo(content[i]);
            }
            assertThat(all.toArray(ValueLayout.JAVA_BYTE)).isEqualTo(content);
        }
    }

    @Test
    void aClosedMappingIsForgottenAndANewOneAtTheSameAddressMovesAgain() throws IOException, InterruptedException {
        Assumptions.assumeTrue(HugePages.enabled(), "native library not loaded or huge pages off");
        byte[] content = new byte[(int) (6 * MB)];
        new Random(8).nextBytes(content);
        Path file = Files.write(dir.resolve("w.bin"), content);
        for (int round = 0; round < 2; round++) {
            try (Arena arena = Arena.ofShared(); FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                MemorySegment all = ch.map(FileChannel.MapMode.READ_ONLY, 0, content.length, arena);
                long before = HugePages.movedBytes();
                HugePages.request(all);
                HugePages.awaitIdle();
                assertThat(HugePages.movedBytes() - before)
                        .isEqualTo(HugePages.PAGE * pagesInside(all.address(), all.address() + all.byteSize()));
                assertThat(all.toArray(ValueLayout.JAVA_BYTE)).isEqualTo(content);
            }
        }
    }

    @Test
    void memoryThatIsNotAFileMappingIsLeftAlone() throws InterruptedException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment anon = arena.allocate(8 * MB, HugePages.PAGE);
            long before = HugePages.movedBytes();
            HugePages.request(anon);
            HugePages.awaitIdle();
            assertThat(HugePages.movedBytes()).isEqualTo(before);
        }
    }

    private static long pagesInside(long start, long end) {
        long first = (start + HugePages.PAGE - 1) & -HugePages.PAGE;
        long last = end & -HugePages.PAGE;
        return Math.max(0, (last - first) / HugePages.PAGE);
    }
}
