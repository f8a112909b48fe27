package ai.legion.core.io;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.ShortBuffer;

/** Byte-buffer helpers: bf16 widening and prompt release of mapped or direct memory. */
public final class Buffers {

    private static final Object UNSAFE;
    private static final Method INVOKE_CLEANER;

    static {
        Object unsafe = null;
        Method cleaner = null;
        try {
            Class<?> c = Class.forName("sun.misc.Unsafe");
            Field f = c.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            unsafe = f.get(null);
            cleaner = c.getMethod("invokeCleaner", ByteBuffer.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            // Without Unsafe, buffers are freed by the GC only; correctness is unaffected.
        }
        UNSAFE = unsafe;
        INVOKE_CLEANER = cleaner;
    }

    private Buffers() {}

    /**
     * Unmaps a mapped buffer or frees a direct one now instead of at the next GC. Only call this on a
     * buffer you own and that nothing (no NDArray, no view) still reads: access after release crashes
     * the JVM. Heap buffers, slices and duplicates are left alone.
     */
    public static void release(ByteBuffer buffer) {
        if (buffer == null || !buffer.isDirect() || INVOKE_CLEANER == null) {
            return;
        }
        try {
            INVOKE_CLEANER.invoke(UNSAFE, buffer);
        } catch (ReflectiveOperationException | RuntimeException e) {
            // a slice or duplicate: the GC will free the memory
        }
    }

    /**
     * Widens bfloat16 to float32 exactly ({@code f32 bits = bf16 bits << 16}).
     *
     * @param src little-endian bf16 values, from position to limit
     * @param dst receives the float32 values in native order starting at its position; needs twice
     *     the bytes of {@code src}
     */
    public static void widenBf16(ByteBuffer src, ByteBuffer dst) {
        widen(src, dst, true);
    }

    /**
     * Narrows float32 (native order) to bfloat16 (little-endian) with round-to-nearest-even, as
     * {@code tensor.to(torch.bfloat16)} does; NaN stays NaN.
     */
    public static ByteBuffer narrowToBf16(ByteBuffer f32) {
        java.nio.FloatBuffer in = f32.duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer();
        int n = in.remaining();
        ByteBuffer out = ByteBuffer.allocate(n * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            out.putShort(i * 2, bf16Bits(in.get(i)));
        }
        return out;
    }

    /** The bfloat16 nearest to {@code value} (ties to even, NaN stays a quiet NaN), as torch rounds. */
    public static short bf16Bits(float value) {
        int bits = Float.floatToRawIntBits(value);
        if ((bits & 0x7F800000) == 0x7F800000 && (bits & 0x007FFFFF) != 0) {
            return (short) ((bits >>> 16) | 0x0040); // quiet NaN
        }
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }

    /** Widens little-endian int16 values to int32 in native order (DJL 0.36 cannot hold INT16). */
    public static void widenI16(ByteBuffer src, ByteBuffer dst) {
        widen(src, dst, false);
    }

    /** Chunked bulk copies through heap arrays: several times faster than per-element buffer access. */
    private static void widen(ByteBuffer src, ByteBuffer dst, boolean bf16) {
        ShortBuffer in = src.duplicate().order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
        IntBuffer out = dst.duplicate().order(ByteOrder.nativeOrder()).asIntBuffer();
        int n = in.remaining();
        if (out.remaining() < n) {
            throw new IllegalArgumentException("destination holds " + out.remaining() + " values, need " + n);
        }
        short[] s = new short[Math.min(n, CHUNK)];
        int[] d = new int[s.length];
        for (int done = 0; done < n; ) {
            int len = Math.min(s.length, n - done);
            in.get(s, 0, len);
            if (bf16) {
                for (int i = 0; i < len; i++) {
                    d[i] = (s[i] & 0xFFFF) << 16;
                }
            } else {
                for (int i = 0; i < len; i++) {
                    d[i] = s[i];
                }
            }
            out.put(d, 0, len);
            done += len;
        }
    }

    private static final int CHUNK = 1 << 16;
}
