package ai.legion.models.loading;

import ai.legion.core.config.ClipVisionConfig;
import ai.legion.core.config.LegionConfig;
import ai.legion.core.config.SamConfig;
import ai.legion.models.clip.GlobalImageEncoder;
import ai.legion.models.grounding.GroundingModel;
import ai.legion.models.llama.LlamaForCausalLM;
import ai.legion.models.lm.CausalLm;
import ai.legion.models.sam.Sam;
import ai.legion.models.vision.VisionTower;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Which implementation builds each part of LEGION, keyed by the {@code model_type} of that part's config (HF's
 * {@code AutoModel} mapping): the language model by the LEGION {@code config.json}'s (the LLaVA family names
 * its backbone there: {@code llava} is LLaMA, as LLaVA's {@code llava_mistral} would be Mistral), the vision
 * tower by the CLIP config's, the grounding model by the SAM config's.
 *
 * <p>A new backbone is a class implementing {@link CausalLm} plus one call here, e.g.
 * {@code Architectures.registerCausalLm("llava_mistral", c -> new MistralForCausalLM(c))} — from any code, before
 * the model is built. Registrations are global and thread-safe.
 */
public final class Architectures {

    private static final Map<String, Function<LegionConfig, CausalLm>> LMS = new ConcurrentHashMap<>();
    private static final Map<String, Function<ClipVisionConfig, VisionTower>> VISION = new ConcurrentHashMap<>();
    private static final Map<String, Function<SamConfig, GroundingModel>> GROUNDING = new ConcurrentHashMap<>();

    static {
        registerCausalLm(LegionConfig.LLAVA_MODEL_TYPE, c -> new LlamaForCausalLM(c.llama()));
        registerCausalLm("llava_llama", c -> new LlamaForCausalLM(c.llama()));
        registerVisionTower(ClipVisionConfig.CLIP_VISION_MODEL_TYPE, GlobalImageEncoder::new);
        registerGroundingModel(SamConfig.SAM_MODEL_TYPE, Sam::new);
    }

    private Architectures() {}

    /** Registers (or replaces) the language model of a LEGION {@code model_type}. */
    public static void registerCausalLm(String modelType, Function<LegionConfig, CausalLm> factory) {
        LMS.put(modelType, factory);
    }

    /** Registers (or replaces) the vision tower of a vision config {@code model_type}. */
    public static void registerVisionTower(String modelType, Function<ClipVisionConfig, VisionTower> factory) {
        VISION.put(modelType, factory);
    }

    /** Registers (or replaces) the grounding model of a grounding config {@code model_type}. */
    public static void registerGroundingModel(String modelType, Function<SamConfig, GroundingModel> factory) {
        GROUNDING.put(modelType, factory);
    }

    /**
     * Builds the language model a LEGION config names (parameters declared, not allocated).
     *
     * @throws IllegalArgumentException if no implementation is registered for its {@code model_type}
     */
    public static CausalLm causalLm(LegionConfig config) {
        return build(LMS, config.modelType(), "language model", config);
    }

    /** Builds the vision tower a vision config names. */
    public static VisionTower visionTower(ClipVisionConfig config) {
        return build(VISION, config.modelType(), "vision tower", config);
    }

    /** Builds the grounding model a grounding config names. */
    public static GroundingModel groundingModel(SamConfig config) {
        return build(GROUNDING, config.modelType(), "grounding model", config);
    }

    private static <C, T> T build(Map<String, Function<C, T>> registry, String type, String what, C config) {
        Function<C, T> f = registry.get(type);
        if (f == null) {
            throw new IllegalArgumentException("no " + what + " is registered for model_type \"" + type + "\" (known: "
                    + new TreeSet<>(registry.keySet()) + "); register one with Architectures.register...");
        }
        return f.apply(config);
    }
}
