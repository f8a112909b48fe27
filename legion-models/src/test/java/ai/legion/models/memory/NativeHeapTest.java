package ai.legion.models.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.Memory;
import com.sun.jna.Platform;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * glibc serves a block from its free lists whenever one fits, whatever the mmap threshold, so what the threshold
 * changes shows only in a process whose heap holds no large free block yet: each case runs in a fresh JVM.
 */
class NativeHeapTest {

    /** Resident pages of this process, from /proc/self/statm, in bytes (4 KiB pages). */
    private static long residentBytes() throws IOException {
        String[] f = Files.readString(Path.of("/proc/self/statm")).trim().split(" ");
        return Long.parseLong(f[1]) * 4096;
    }

    /**
     * In a fresh JVM: optionally fix the threshold, free a mapped 20 MiB block (which, unfixed, raises glibc's
     * threshold to 20 MiB), then touch and free a 16 MiB block; prints "applied freedBytes".
     */
    public static void main(String[] args) throws IOException {
        boolean apply = Boolean.parseBoolean(args[0]);
        boolean applied = apply && NativeHeap.returnLargeFreedBlocks();
        boolean again = apply && NativeHeap.returnLargeFreedBlocks();
        try (Memory raise = new Memory(20L << 20)) {
            raise.setMemory(0, 20L << 20, (byte) 1);
        }
        long size = 16L << 20;
        Memory block = new Memory(size);
        block.setMemory(0, size, (byte) 1);
        long touched = residentBytes();
        block.close();
        System.out.println(applied + " " + again + " " + (touched - residentBytes()));
    }

    private static String[] child(boolean apply) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(), "-cp",
                System.getProperty("java.class.path"), NativeHeapTest.class.getName(), Boolean.toString(apply)));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child JVM finished");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(0, p.exitValue(), out);
        String[] lines = out.split("\n");
        return lines[lines.length - 1].trim().split(" ");
    }

    @Test
    void withTheThresholdFixedAFreed16MiBBlockLeavesTheResidentSizeAndWithoutItStays() throws Exception {
        assumeTrue(Platform.isLinux() && System.getenv("MALLOC_MMAP_THRESHOLD_") == null, "glibc, threshold unset");
        String[] fixed = child(true);
        assertEquals("true", fixed[0], "mallopt(M_MMAP_THRESHOLD) applied on glibc");
        assertEquals("true", fixed[1], "a second call reports the threshold already fixed");
        assertTrue(Long.parseLong(fixed[2]) >= 12L << 20, "16 MiB returned to the system, freed " + fixed[2]);
        // glibc's default: the 20 MiB block raised the threshold, so the 16 MiB one came from and stays in the heap
        String[] dynamic = child(false);
        assertTrue(Long.parseLong(dynamic[2]) < 4L << 20, "without it the block stays resident, freed " + dynamic[2]);
    }
}
