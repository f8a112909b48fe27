package ai.legion.models.loading;

import ai.legion.core.io.Buffers;
import ai.legion.core.io.DType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.apache.commons.math3.special.Erf;

/**
 * Fast, deterministic random weights for the checkpoint maker ({@link CheckpointMaker}): the values of a tensor
 * depend only on the seed and the tensor's key, so tensors can be drawn in any order, in parallel, or again.
 *
 * <p>A normal draw is one table lookup: a SplitMix64 stream supplies 16 random bits per element, which index a
 * table of the 65,536 quantiles {@code Φ⁻¹((i + ½) / 65536)} of the standard normal, scaled by σ and already
 * narrowed to the stored dtype. The result is a normal distribution discretized to 65,536 levels and cut at
 * ±4.3σ (torch's {@code normal_} has unbounded tails; a bf16 value holds 8 significant bits, so the levels are
 * finer than what is stored). This is about 1 ns per element, where a Box-Muller or ziggurat draw costs 5-20 ns,
 * which matters when 7.4 billion values are written.
 */
final class RandomWeights {

    private static final int LEVELS = 1 << 16;
    private static final double[] QUANTILES = new double[LEVELS];

    static {
        for (int i = 0; i < LEVELS; i++) {
            double p = (i + 0.5) / LEVELS;
            QUANTILES[i] = Math.sqrt(2) * Erf.erfInv(2 * p - 1);
        }
    }

    private RandomWeights() {}

    /**
     * The seed of one tensor's stream: the model seed mixed with a 64-bit FNV-1a hash of the key, so renaming or
     * reordering other tensors never changes this one.
     */
    static long tensorSeed(long seed, String key) {
        long h = 0xcbf29ce484222325L;
        for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        return mix(seed ^ mix(h));
    }

    /** The lookup table of σ·quantile in {@code dtype}'s little-endian bytes. */
    static ByteBuffer table(double std, DType dtype) {
        ByteBuffer t = ByteBuffer.allocate(LEVELS * dtype.size()).order(ByteOrder.LITTLE_ENDIAN);
        for (double q : QUANTILES) {
            float v = (float) (std * q);
            switch (dtype) {
                case F32 -> t.putFloat(v);
                case BF16 -> t.putShort(Buffers.bf16Bits(v));
                default -> throw new IllegalArgumentException("random normal weights are written as F32 or BF16, not "
                        + dtype);
            }
        }
        return t.flip();
    }

    /**
     * A tensor's sequence of normal values: {@link #fill} continues where the last call stopped, and splitting a
     * tensor into chunks of any multiple of 4 elements gives the same values.
     */
    static final class Stream {
        private final short[] bf16;
        private final float[] f32;
        private int[] scratch = new int[0];
        private long state;

        /**
         * @param table from {@link #table} (BF16 or F32)
         * @param seed from {@link #tensorSeed}
         */
        Stream(ByteBuffer table, DType dtype, long seed) {
            this.state = seed;
            ByteBuffer t = table.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            if (dtype == DType.BF16) {
                bf16 = new short[LEVELS];
                t.asShortBuffer().get(bf16);
                f32 = null;
            } else {
                f32 = new float[LEVELS];
                t.asFloatBuffer().get(f32);
                bf16 = null;
            }
        }

        /** Fills {@code n} elements of {@code dst} (a short[] for BF16, a float[] for F32). */
        void fill(Object dst, int n) {
            int[] idx = indices(n);
            if (bf16 != null) {
                short[] out = (short[]) dst;
                for (int i = 0; i < n; i++) {
                    out[i] = bf16[idx[i]];
                }
            } else {
                float[] out = (float[]) dst;
                for (int i = 0; i < n; i++) {
                    out[i] = f32[idx[i]];
                }
            }
        }

        /** The next {@code n} table indices, four per 64-bit draw (the last draw's unused parts are dropped). */
        private int[] indices(int n) {
            if (scratch.length < n) {
                scratch = new int[n];
            }
            int[] out = scratch;
            int i = 0;
            for (; i + 4 <= n; i += 4) {
                long z = next();
                out[i] = (int) (z & 0xffff);
                out[i + 1] = (int) ((z >>> 16) & 0xffff);
                out[i + 2] = (int) ((z >>> 32) & 0xffff);
                out[i + 3] = (int) (z >>> 48);
            }
            if (i < n) {
                long z = next();
                for (; i < n; i++, z >>>= 16) {
                    out[i] = (int) (z & 0xffff);
                }
            }
            return out;
        }

        private long next() {
            state += 0x9E3779B97F4A7C15L;
            return mix(state);
        }
    }

    /** SplitMix64's finalizer (Steele, Lea and Flood, "Fast splittable pseudorandom number generators"). */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
