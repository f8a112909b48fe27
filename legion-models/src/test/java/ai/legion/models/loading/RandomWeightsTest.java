package ai.legion.models.loading;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.io.DType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class RandomWeightsTest {

    @Test
    void theTableIsANormalDistributionScaledAndNarrowed() {
        ByteBuffer f32 = RandomWeights.table(0.02, DType.F32).order(ByteOrder.LITTLE_ENDIAN);
        int n = f32.remaining() / 4;
        assertEquals(65536, n);
        double sum = 0;
        double sq = 0;
        for (int i = 0; i < n; i++) {
            float v = f32.getFloat(i * 4);
            sum += v;
            sq += (double) v * v;
            if (i > 0) {
                assertTrue(v > f32.getFloat(i * 4 - 4), "quantiles increase");
            }
        }
        assertEquals(0, sum / n, 1e-9);
        // midpoint quantiles of 2^16 levels: variance 1 - 2e-5 (the tails beyond ±4.32σ are cut)
        assertEquals(0.02, Math.sqrt(sq / n), 0.02 * 5e-5);
        assertEquals(0.02 * 4.3249, f32.getFloat((n - 1) * 4), 0.02 * 1e-4);
        ByteBuffer bf16 = RandomWeights.table(0.02, DType.BF16).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i += 997) {
            float widened = Float.intBitsToFloat((bf16.getShort(i * 2) & 0xffff) << 16);
            assertEquals(f32.getFloat(i * 4), widened, Math.abs(f32.getFloat(i * 4)) / 256, "bf16 of entry " + i);
        }
        assertThrows(IllegalArgumentException.class, () -> RandomWeights.table(1, DType.I64));
    }

    @Test
    void aTensorsValuesDependOnSeedAndKeyNotOnHowTheyAreChunked() {
        ByteBuffer table = RandomWeights.table(1, DType.BF16);
        long seed = RandomWeights.tensorSeed(5, "model.layers.0.mlp.up_proj.weight");
        short[] whole = new short[1003];
        new RandomWeights.Stream(table, DType.BF16, seed).fill(whole, whole.length);
        short[] chunked = new short[1003];
        RandomWeights.Stream s = new RandomWeights.Stream(table, DType.BF16, seed);
        short[] part = new short[400];
        s.fill(part, 400);
        System.arraycopy(part, 0, chunked, 0, 400);
        s.fill(part, 400);
        System.arraycopy(part, 0, chunked, 400, 400);
        s.fill(part, 203);
        System.arraycopy(part, 0, chunked, 800, 203);
        assertArrayEquals(whole, chunked);

        assertNotEquals(seed, RandomWeights.tensorSeed(5, "model.layers.0.mlp.gate_proj.weight"));
        assertNotEquals(seed, RandomWeights.tensorSeed(6, "model.layers.0.mlp.up_proj.weight"));
        assertEquals(seed, RandomWeights.tensorSeed(5, "model.layers.0.mlp.up_proj.weight"));

        float[] f = new float[200_000];
        new RandomWeights.Stream(RandomWeights.table(1, DType.F32), DType.F32, seed).fill(f, f.length);
        double sum = 0;
        double sq = 0;
        int beyondTwo = 0;
        for (float v : f) {
            sum += v;
            sq += (double) v * v;
            beyondTwo += Math.abs(v) > 2 ? 1 : 0;
        }
        assertEquals(0, sum / f.length, 0.01);
        assertEquals(1, Math.sqrt(sq / f.length), 0.01);
        assertEquals(0.0455, beyondTwo / (double) f.length, 0.003, "P(|z| > 2) of a standard normal");
    }
}
