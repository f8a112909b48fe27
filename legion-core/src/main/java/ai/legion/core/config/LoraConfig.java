package ai.legion.core.config;

import static ai.legion.core.config.ConfigJson.invalid;
import static ai.legion.core.config.ConfigJson.or;
import static ai.legion.core.config.ConfigJson.requirePositive;

import ai.legion.core.io.CheckpointException;
import ai.legion.core.io.IoUtils;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * PEFT {@code adapter_config.json} of a LoRA adapter (PEFT 0.5 semantics, {@code peft/tuners/lora.py::LoraConfig}).
 *
 * <p>Absent fields take PEFT 0.5's {@code LoraConfig} defaults. Settings this implementation cannot
 * honour are rejected instead of silently ignored: {@code layers_to_transform} (when set),
 * non-empty {@code rank_pattern}/{@code alpha_pattern} and {@code use_rslora}/{@code use_dora} true
 * (later PEFT versions) at read time; {@code peft_type} other than LORA, {@code bias} other than none,
 * {@code fan_in_fan_out} true in {@link #validate()}.
 *
 * @param peftType {@code peft_type}: must be {@code "LORA"} (required)
 * @param r {@code r}: adapter rank (default 8)
 * @param loraAlpha {@code lora_alpha}: scale numerator, the update is {@code B·A·alpha/r} (default 8)
 * @param loraDropout {@code lora_dropout}: dropout on the adapter input while training (default 0)
 * @param targetModules {@code target_modules}: which Linear modules get adapters (default
 *     {@code ["q_proj", "v_proj"]}, PEFT's mapping for LLaMA)
 * @param bias {@code bias}: which biases train; only {@code "none"} is supported (default none)
 * @param taskType {@code task_type}, e.g. {@code "CAUSAL_LM"} (may be null)
 * @param fanInFanOut {@code fan_in_fan_out}: weights stored transposed (Conv1D); must be false
 * @param modulesToSave {@code modules_to_save}: extra fully trained modules (null = none)
 * @param inferenceMode {@code inference_mode} (default false)
 * @param baseModelNameOrPath {@code base_model_name_or_path} (may be null)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record LoraConfig(
        @JsonProperty("peft_type") String peftType,
        @JsonProperty("r") int r,
        @JsonProperty("lora_alpha") int loraAlpha,
        @JsonProperty("lora_dropout") double loraDropout,
        @JsonProperty("target_modules") TargetModules targetModules,
        @JsonProperty("bias") String bias,
        @JsonProperty("task_type") String taskType,
        @JsonProperty("fan_in_fan_out") boolean fanInFanOut,
        @JsonProperty("modules_to_save") List<String> modulesToSave,
        @JsonProperty("inference_mode") boolean inferenceMode,
        @JsonProperty("base_model_name_or_path") String baseModelNameOrPath) {

    /** PEFT's default targets for LLaMA ({@code TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING}). */
    public static final List<String> LLAMA_DEFAULT_TARGETS = List.of("q_proj", "v_proj");

    /**
     * Longest regular expression a config may hold ({@code target_modules}, training's {@code frozen}): compiling
     * a pattern takes time quadratic in its length (a 140,000-character literal takes about 14 s).
     */
    public static final int MAX_PATTERN_LENGTH = 1024;

    /**
     * {@code target_modules}: either a list of module names / name suffixes or (a JSON string) one
     * regular expression that must match the whole module name. Exactly one of the two is non-null.
     *
     * @param names the list form, or null
     * @param regex the regex form, or null
     */
    public record TargetModules(List<String> names, String regex) {

        /** Exactly one of the two forms; the list is copied. */
        public TargetModules {
            if ((names == null) == (regex == null)) {
                throw new IllegalArgumentException("exactly one of names and regex must be given");
            }
            if (names != null) {
                names = List.copyOf(names);
            }
        }

        /** The list form. */
        public static TargetModules of(List<String> names) {
            return new TargetModules(names, null);
        }

        /** The regex form (full match). */
        public static TargetModules regex(String regex) {
            return new TargetModules(null, regex);
        }

        @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
        private static TargetModules fromJson(JsonNode node) {
            if (node.isTextual()) {
                return regex(node.textValue());
            }
            if (node.isArray()) {
                List<String> names = new ArrayList<>();
                for (JsonNode n : node) {
                    if (!n.isTextual()) {
                        throw new ConfigJson.InvalidField(null, node + " must be a list of strings or one regex string");
                    }
                    names.add(n.textValue());
                }
                return of(names);
            }
            throw new ConfigJson.InvalidField(null, node + " must be a list of strings or one regex string");
        }

        @JsonValue
        private Object toJson() {
            return regex != null ? regex : names;
        }

        /**
         * PEFT 0.5 {@code _check_target_module_exists}: a regex must match the whole name
         * ({@code re.fullmatch}); a list entry matches when the name equals it or ends with
         * {@code "." + entry}. (PEFT builds {@code ".*\.{entry}$"} without escaping the entry; entries
         * are compared literally here, which is the same for module names.)
         */
        public boolean matches(String moduleName) {
            if (regex != null) {
                return Pattern.compile(regex).matcher(moduleName).matches();
            }
            for (String t : names) {
                if (moduleName.equals(t) || moduleName.endsWith("." + t)) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public String toString() {
            return regex != null ? "regex \"" + regex + "\"" : names.toString();
        }
    }

    /** Copies {@code modulesToSave}; values are checked by {@link #validate()}. */
    public LoraConfig {
        Objects.requireNonNull(targetModules, "targetModules");
        Objects.requireNonNull(bias, "bias");
        if (modulesToSave != null) {
            modulesToSave = List.copyOf(modulesToSave);
        }
    }

    @JsonCreator
    private static LoraConfig fromJson(
            @JsonProperty("peft_type") String peftType,
            @JsonProperty("r") Integer r,
            @JsonProperty("lora_alpha") Integer loraAlpha,
            @JsonProperty("lora_dropout") Double loraDropout,
            @JsonProperty("target_modules") TargetModules targetModules,
            @JsonProperty("bias") String bias,
            @JsonProperty("task_type") String taskType,
            @JsonProperty("fan_in_fan_out") Boolean fanInFanOut,
            @JsonProperty("modules_to_save") List<String> modulesToSave,
            @JsonProperty("inference_mode") Boolean inferenceMode,
            @JsonProperty("base_model_name_or_path") String baseModelNameOrPath,
            @JsonProperty("layers_to_transform") Object layersToTransform,
            @JsonProperty("rank_pattern") Map<String, Object> rankPattern,
            @JsonProperty("alpha_pattern") Map<String, Object> alphaPattern,
            @JsonProperty("use_rslora") Boolean useRslora,
            @JsonProperty("use_dora") Boolean useDora) {
        // each of these changes which modules are adapted or how they are scaled
        if (layersToTransform != null) {
            throw new ConfigJson.InvalidField("layers_to_transform", layersToTransform + " is not supported (must be null)");
        }
        if (rankPattern != null && !rankPattern.isEmpty()) {
            throw new ConfigJson.InvalidField("rank_pattern", rankPattern + " is not supported (must be empty)");
        }
        if (alphaPattern != null && !alphaPattern.isEmpty()) {
            throw new ConfigJson.InvalidField("alpha_pattern", alphaPattern + " is not supported (must be empty)");
        }
        if (Boolean.TRUE.equals(useRslora)) {
            throw new ConfigJson.InvalidField("use_rslora", "true is not supported (scaling is lora_alpha / r)");
        }
        if (Boolean.TRUE.equals(useDora)) {
            throw new ConfigJson.InvalidField("use_dora", "true is not supported");
        }
        if (modulesToSave != null && modulesToSave.contains(null)) {
            throw new ConfigJson.InvalidField("modules_to_save", modulesToSave + " must not contain null");
        }
        return new LoraConfig(
                peftType,
                or(r, 8),
                or(loraAlpha, 8),
                or(loraDropout, 0.0),
                or(targetModules, TargetModules.of(LLAMA_DEFAULT_TARGETS)),
                or(bias, "none"),
                taskType,
                or(fanInFanOut, false),
                modulesToSave,
                or(inferenceMode, false),
                baseModelNameOrPath);
    }

    /**
     * LEGION's stage-1 adapter ({@code scripts/loc_exp/train.py::setup_lora_config} with {@code train.sh}'s
     * arguments): LORA, r 8, alpha 16 (scaling 2), dropout 0.05, bias none, CAUSAL_LM, on {@code targets} (LEGION
     * lists the full names of the q/v projections of the LLM).
     */
    public static LoraConfig legionDefault(List<String> targets) {
        return new LoraConfig("LORA", 8, 16, 0.05, TargetModules.of(targets), "none", "CAUSAL_LM",
                false, null, false, null);
    }

    /**
     * Reads and validates an {@code adapter_config.json}.
     *
     * @throws ConfigException naming the file and field on IO, JSON or validation errors
     */
    public static LoraConfig read(Path file) throws ConfigException {
        return ConfigJson.readValidated(file, LoraConfig.class, LoraConfig::validate);
    }

    /**
     * Validates, then writes this config as pretty-printed JSON atomically (readers see the old file
     * or the complete new one).
     *
     * @throws CheckpointException ({@link ConfigException} if invalid) naming the file
     */
    public void write(Path file) throws CheckpointException {
        ConfigJson.validate(file, this::validate);
        byte[] bytes;
        try {
            bytes = (ConfigJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(this) + "\n")
                    .getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new ConfigException(file, null, "cannot serialize: " + e.getOriginalMessage(), e);
        }
        IoUtils.writeAtomically(file, bytes);
    }

    /**
     * Checks {@code peft_type "LORA"}, {@code r > 0}, {@code lora_alpha > 0},
     * {@code 0 ≤ lora_dropout < 1}, {@code bias "none"}, {@code fan_in_fan_out false}, non-empty
     * targets and a compilable target regex.
     */
    public void validate() throws ConfigException {
        if (!"LORA".equals(peftType)) {
            throw invalid("peft_type " + (peftType == null ? "null" : "\"" + peftType + "\"")
                    + " is not supported (only \"LORA\")");
        }
        requirePositive("r", r);
        requirePositive("lora_alpha", loraAlpha);
        if (!(loraDropout >= 0 && loraDropout < 1)) {
            throw invalid("lora_dropout " + loraDropout + " must be in [0, 1)");
        }
        if (!"none".equals(bias)) {
            throw invalid("bias \"" + bias + "\" is not supported (only \"none\")");
        }
        if (fanInFanOut) {
            throw invalid("fan_in_fan_out true is not supported (LLaMA Linear weights are [out, in])");
        }
        if (targetModules.regex() != null) {
            if (targetModules.regex().length() > MAX_PATTERN_LENGTH) {
                throw invalid("target_modules regex is " + targetModules.regex().length() + " characters long, "
                        + "more than " + MAX_PATTERN_LENGTH + " (compiling takes time quadratic in the length)");
            }
            try {
                Pattern.compile(targetModules.regex());
            } catch (PatternSyntaxException e) {
                throw invalid("target_modules regex \"" + targetModules.regex() + "\" does not compile: " + e.getDescription());
            }
        } else if (targetModules.names().isEmpty() || targetModules.names().contains("")) {
            throw invalid("target_modules " + targetModules.names() + " must name at least one module (no empty names)");
        }
    }

    /** The LoRA update scale {@code lora_alpha / r} (2.0 for LEGION). */
    public double scaling() {
        return (double) loraAlpha / r;
    }

    /** Whether PEFT 0.5 would put an adapter on the module {@code moduleName} (see {@link TargetModules#matches}). */
    public boolean targets(String moduleName) {
        return targetModules.matches(moduleName);
    }

    /** {@code modules_to_save}, empty when null. */
    public List<String> modulesToSaveOrEmpty() {
        return modulesToSave == null ? List.of() : modulesToSave;
    }

    /** Target names of the list form (unmodifiable), empty for the regex form. */
    public List<String> targetNames() {
        return targetModules.names() == null ? List.of() : targetModules.names();
    }
}
