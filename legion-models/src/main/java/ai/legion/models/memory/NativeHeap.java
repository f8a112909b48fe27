package ai.legion.models.memory;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The C heap under libtorch, tuned so a memory budget holds.
 *
 * <p>glibc's malloc serves blocks below its mmap threshold from its heaps and keeps them there after they are freed;
 * the threshold starts at 128 KiB and rises (up to 32 MiB) each time a larger mmapped block is freed. libtorch's
 * 4-32 MiB temporaries of a real-size model therefore stay resident after use: measured with LEGION-7B at
 * {@code --max-memory 16g}, peak RSS reached budget + 1.9 GiB against budget + 0.33 GiB with a fixed 4 MiB threshold
 * (docs/PERFORMANCE.md, Memory-budgeted execution). Fixing the threshold costs page faults on those temporaries
 * (about 10% on SAM ViT-B at 1024 px), so it is set only when a plan streams, for the rest of the process: glibc has
 * one threshold per process.
 *
 * <p>{@code MALLOC_MMAP_THRESHOLD_} in the environment (read by glibc at start) wins: nothing is changed then. On
 * other C libraries or systems this does nothing.
 */
public final class NativeHeap {

    private static final Logger LOG = LoggerFactory.getLogger(NativeHeap.class);

    /** Blocks from this size up are mapped on their own and returned to the system when freed. */
    public static final int MMAP_THRESHOLD = 4 << 20;

    /** glibc's {@code M_MMAP_THRESHOLD} parameter of {@code mallopt} (malloc.h). */
    private static final int M_MMAP_THRESHOLD = -3;

    private static volatile boolean applied;

    private NativeHeap() {}

    /** glibc's {@code int mallopt(int param, int value)}: 1 on success. */
    private interface Glibc extends Library {
        int mallopt(int param, int value);
    }

    /**
     * Makes freed blocks of {@link #MMAP_THRESHOLD} bytes and more leave the resident size, once per process.
     *
     * @return whether the threshold is now fixed by this call or an earlier one (false where the environment sets it
     *     or the C library is not glibc)
     */
    public static synchronized boolean returnLargeFreedBlocks() {
        if (applied) {
            return true;
        }
        if (System.getenv("MALLOC_MMAP_THRESHOLD_") != null) {
            LOG.debug("MALLOC_MMAP_THRESHOLD_ is set in the environment; the C heap is left as it is");
            return false;
        }
        if (!Platform.isLinux()) {
            return false;
        }
        try {
            Glibc c = Native.load(Platform.C_LIBRARY_NAME, Glibc.class);
            applied = c.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1;
            LOG.debug("mallopt(M_MMAP_THRESHOLD, {}) {}", MMAP_THRESHOLD, applied ? "applied" : "refused");
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            // musl and other C libraries without mallopt: peak RSS may then exceed the plan by glibc-like retention
            LOG.debug("mallopt is not available: {}", e.toString());
        }
        return applied;
    }
}
