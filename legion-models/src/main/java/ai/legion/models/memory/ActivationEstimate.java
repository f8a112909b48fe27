package ai.legion.models.memory;

import ai.legion.core.config.ClipVisionConfig;
import ai.legion.core.config.LlamaConfig;
import ai.legion.core.config.SamConfig;
import ai.legion.models.LegionModel;
import java.util.Locale;

/**
 * The engine memory the activations of one {@link LegionModel#generate} call need, from the configs, phase by
 * phase. {@code generate} runs its phases one after another (CLIP, the LLM's prefill and decode, the SAM encoder,
 * the masks) and each frees its temporaries before the next starts (the KV cache goes with the decoding), so the
 * reserve is what stays alive through the call plus the largest phase. Each phase counts its largest live arrays
 * at the point of a layer where most are alive at once:
 *
 * <ul>
 *   <li>CLIP: every layer's hidden states (kept for {@code mm_vision_select_layer}), one layer's attention logits
 *       and probabilities ({@code heads x T x T}) and its MLP activations;</li>
 *   <li>LLM: the KV cache for prompt + image tokens + new tokens, the prefill's attention logits and
 *       probabilities and MLP activations, the last position's logits;</li>
 *   <li>SAM: a global-attention block's {@code heads x N x N} logits and probabilities ({@code N = (S/p)^2}; with
 *       16 heads at 1024 px, 1 GiB each per image; a float16 model also makes the float32 softmax copy), or a
 *       windowed block's, whichever is larger, and the block's MLP activations;</li>
 *   <li>masks: per image up to {@link #MASKS_PER_IMAGE} masks at the input and output resolution.</li>
 * </ul>
 *
 * <p>These are estimates of what libtorch allocates, not measurements: {@link #SLACK} covers the smaller arrays
 * not counted and the allocator's rounding.
 *
 * @param vision CLIP phase bytes
 * @param llm LLM phase bytes (prefill and decode)
 * @param kvCache the KV cache, part of {@code llm}
 * @param grounding SAM encoder phase bytes
 * @param globalAttention the N x N arrays of a global block, part of {@code grounding}
 * @param masks mask phase bytes
 * @param carried what lives through the whole call (pixels, image tokens)
 * @param batch images per call
 * @param positions prompt, image and new tokens the KV cache holds
 */
public record ActivationEstimate(long vision, long llm, long kvCache, long grounding, long globalAttention,
        long masks, long carried, int batch, int positions) {

    /** Relative allowance for arrays not counted and allocator rounding. */
    public static final double SLACK = 0.10;
    /** Fixed allowance on top of {@link #SLACK}. */
    public static final long FIXED = 64L << 20;
    /** Masks assumed per image (a LEGION answer names a few artifacts). */
    public static final int MASKS_PER_IMAGE = 8;

    private static final int F32 = 4;

    /**
     * The estimate for a model's configs.
     *
     * @param parts the declared model (its configs and vision tower)
     * @param batch images per call
     * @param promptTokens prompt ids including the one image placeholder
     * @param maxNewTokens the decoding budget
     * @param activationBytes bytes per activation element (4 for float32, 2 for float16)
     */
    public static ActivationEstimate of(LegionModel.Parts parts, int batch, int promptTokens, int maxNewTokens,
            int activationBytes) {
        long b = batch;
        int a = activationBytes;
        LlamaConfig l = parts.config().llama();
        ClipVisionConfig c = parts.clipConfig();
        SamConfig.ImageEncoder s = parts.samConfig().imageEncoder();
        int imageTokens = parts.vision().numImageTokens(parts.config().mmVisionSelectFeature());
        long prompt = Math.max(1, promptTokens - 1L + imageTokens);
        long positions = prompt + maxNewTokens;

        long tc = c.numPositions();
        long vision = (c.numHiddenLayers() + 1L) * b * tc * c.hiddenSize() * a
                + b * (attention(c.numAttentionHeads(), tc, tc, a)
                        + tc * (4L * c.hiddenSize() + 2L * c.intermediateSize()) * a);

        long kv = 2L * l.numHiddenLayers() * b * l.numKeyValueHeads() * l.headDim() * positions * a;
        long prefill = b * prompt * (6L * l.hiddenSize() + 3L * l.intermediateSize()) * a
                + b * attention(l.numAttentionHeads(), prompt, prompt, a) + b * prompt * prompt * a;
        long embeds = 3L * b * prompt * l.hiddenSize() * a;
        long logits = 2L * b * l.vocabSize() * F32;
        long llm = kv + prefill + embeds + logits;

        long g = s.gridSize();
        long n = g * g;
        long global = 0;
        long windowed = 0;
        long padded = n;
        for (int i = 0; i < s.depth(); i++) {
            if (s.isGlobalAttention(i)) {
                global = b * attention(s.numHeads(), n, n, a);
            } else {
                long w = s.windowSize();
                long windows = ceilDiv(g, w) * ceilDiv(g, w);
                windowed = b * windows * attention(s.numHeads(), w * w, w * w, a);
                padded = Math.max(padded, windows * w * w);
            }
        }
        long grounding = Math.max(global, windowed) + b * padded * (8L * s.embedDim() + 2L * s.mlpDim()) * a
                + 3L * b * n * s.embedDim() * a + b * s.outChans() * n * a;

        long img = s.imgSize();
        long masks = MASKS_PER_IMAGE * (16L * n + 3L * img * img) * F32 + s.outChans() * n * a;

        long carried = b * 3L * (img * img + (long) c.imageSize() * c.imageSize()) * F32
                + 2L * b * imageTokens * l.hiddenSize() * a;
        return new ActivationEstimate(vision, llm, kv, grounding, global, masks, carried, batch,
                (int) Math.min(Integer.MAX_VALUE, positions));
    }

    /** Logits and probabilities of one attention ({@code heads x q x k}); float16 adds softmax's float32 copies. */
    private static long attention(long heads, long q, long k, int activationBytes) {
        return heads * q * k * (activationBytes == F32 ? 2L * F32 : 2L * activationBytes + 2L * F32);
    }

    private static long ceilDiv(long x, long y) {
        return (x + y - 1) / y;
    }

    /** The largest phase. */
    public long largestPhase() {
        return Math.max(Math.max(vision, llm), Math.max(grounding, masks));
    }

    /** The reserve: carried arrays plus the largest phase, with {@link #SLACK} and {@link #FIXED}. */
    public long total() {
        return (long) ((carried + largestPhase()) * (1 + SLACK)) + FIXED;
    }

    /** One line: the total and each phase. */
    public String describe() {
        return String.format(Locale.ROOT, "%s of activations for batch %d (largest phase + %s carried + %.0f%%: "
                + "SAM encoder %s incl. %s for a global-attention block, LLM %s incl. a KV cache of %s for %d "
                + "positions, CLIP %s, masks %s)", MemoryBudget.format(total()), batch, MemoryBudget.format(carried),
                SLACK * 100, MemoryBudget.format(grounding), MemoryBudget.format(globalAttention),
                MemoryBudget.format(llm), MemoryBudget.format(kvCache), positions, MemoryBudget.format(vision),
                MemoryBudget.format(masks));
    }
}
