/**
 * Immutable configuration records bound with Jackson to the upstream JSON files: HF LLaMA and
 * LEGION/GLaMM {@code config.json} ({@link ai.legion.core.config.LlamaConfig},
 * {@link ai.legion.core.config.LegionConfig}), CLIP vision tower and preprocessor
 * ({@link ai.legion.core.config.ClipVisionConfig}, {@link ai.legion.core.config.ClipImageProcessorConfig}),
 * SAM constructor arguments ({@link ai.legion.core.config.SamConfig}), PEFT LoRA adapters
 * ({@link ai.legion.core.config.LoraConfig}) and {@code added_tokens.json}
 * ({@link ai.legion.core.config.AddedTokens}); plus {@link ai.legion.core.config.Presets}.
 *
 * <p>Conventions: {@code @JsonProperty} names are the upstream snake_case keys; unknown fields are
 * ignored; absent (or null) fields take the upstream defaults documented per record; values are not
 * coerced between JSON types. Every record has {@code static read(Path)}, which validates, and a
 * {@code validate()} usable on hand-built or preset instances. All problems surface as
 * {@link ai.legion.core.config.ConfigException} naming the file and the field. Derived values are
 * methods, never stored.
 */
package ai.legion.core.config;
