package ai.legion.models.memory;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.Memory;
import com.sun.jna.Platform;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class NativeHeapTest {

    /** Resident pages of this process, from /proc/self/statm, in bytes (4 KiB pages). */
    private static long residentBytes() throws IOException {
        String[] f = Files.readString(Path.of("/proc/self/statm")).trim().split(" ");
        return Long.parseLong(f[1]) * 4096;
    }

    @Test
    void aFreedBlockBetweenTheThresholdAndGlibcsDynamicMaximumLeavesTheResidentSize() throws IOException {
        assumeTrue(Platform.isLinux() && System.getenv("MALLOC_MMAP_THRESHOLD_") == null, "glibc, threshold unset");
        assertTrue(NativeHeap.returnLargeFreedBlocks(), "mallopt(M_MMAP_THRESHOLD) applied on glibc");
        assertTrue(NativeHeap.returnLargeFreedBlocks(), "a second call reports the threshold already fixed");
        // without the fixed threshold, freeing this mapped 20 MiB block raises glibc's to 20 MiB ...
        try (Memory raise = new Memory(20L << 20)) {
            raise.setMemory(0, 20L << 20, (byte) 1);
        }
        // ... and a 16 MiB block would then come from the heap and stay resident after free
        long size = 16L << 20;
        Memory block = new Memory(size);
        block.setMemory(0, size, (byte) 1);
        long touched = residentBytes();
        block.close();
        long freed = residentBytes();
        assertTrue(touched - freed >= 12L << 20,
                "freeing a touched 16 MiB block returns it to the system: RSS " + touched + " -> " + freed);
    }
}
