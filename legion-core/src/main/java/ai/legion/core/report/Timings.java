package ai.legion.core.report;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Wall-clock durations of the stages of one analysis, in milliseconds. A stage that did not run (for
 * example the model load of a warm analyzer) is 0. Stages without a field go to {@link #other()}.
 *
 * @param loadMs reading the image (and, when it happened inside this analysis, loading the model)
 * @param preprocessMs CLIP and SAM preprocessing (resize, normalize, pad)
 * @param clipMs the CLIP image encoder and the mm projector
 * @param prefillMs the LLM forward over the prompt (image tokens included)
 * @param decodeMs token-by-token generation after the prefill
 * @param samEncoderMs the SAM (grounding) image encoder
 * @param masksMs the pixel decoder and mask post-processing (upsampling, thresholding)
 * @param totalMs the whole analysis, end to end (not necessarily the sum of the stages)
 * @param other further named stages in a stable (insertion) order; read-only
 */
public record Timings(double loadMs, double preprocessMs, double clipMs, double prefillMs, double decodeMs,
        double samEncoderMs, double masksMs, double totalMs, Map<String, Double> other) {

    /** Names of the fixed stages, in field order, as {@link #asMap()} and the report JSON spell them. */
    public static final List<String> STAGES =
            List.of("load", "preprocess", "clip", "llm_prefill", "decode", "sam_encoder", "masks", "total");

    /** All stages 0, no others. */
    public static final Timings NONE = new Timings(0, 0, 0, 0, 0, 0, 0, 0, Map.of());

    /** Validates that every duration is finite and non-negative and copies {@code other} keeping its order. */
    public Timings {
        double[] fixed = {loadMs, preprocessMs, clipMs, prefillMs, decodeMs, samEncoderMs, masksMs, totalMs};
        for (int i = 0; i < fixed.length; i++) {
            check(STAGES.get(i), fixed[i]);
        }
        Objects.requireNonNull(other, "other");
        LinkedHashMap<String, Double> copy = new LinkedHashMap<>();
        for (Map.Entry<String, Double> e : other.entrySet()) {
            Objects.requireNonNull(e.getKey(), "stage name");
            Objects.requireNonNull(e.getValue(), "duration of " + e.getKey());
            check(e.getKey(), e.getValue());
            copy.put(e.getKey(), e.getValue());
        }
        other = Collections.unmodifiableMap(copy);
    }

    private static void check(String stage, double ms) {
        if (!Double.isFinite(ms) || ms < 0) {
            throw new IllegalArgumentException("duration of stage '" + stage + "' must be finite and >= 0 ms, got " + ms);
        }
    }

    /** Every stage, fixed ones first in {@link #STAGES} order, then {@link #other()}; read-only. */
    public Map<String, Double> asMap() {
        LinkedHashMap<String, Double> m = new LinkedHashMap<>();
        double[] fixed = {loadMs, preprocessMs, clipMs, prefillMs, decodeMs, samEncoderMs, masksMs, totalMs};
        for (int i = 0; i < fixed.length; i++) {
            m.put(STAGES.get(i), fixed[i]);
        }
        m.putAll(other);
        return Collections.unmodifiableMap(m);
    }

    /** A builder starting from all zeros. */
    public static Builder builder() {
        return new Builder();
    }

    /** Collects stage durations; each setter replaces the previous value. */
    public static final class Builder {
        private double load;
        private double preprocess;
        private double clip;
        private double prefill;
        private double decode;
        private double samEncoder;
        private double masks;
        private double total;
        private final LinkedHashMap<String, Double> other = new LinkedHashMap<>();

        private Builder() {}

        /** Image read / model load time. */
        public Builder load(double ms) {
            load = ms;
            return this;
        }

        /** Preprocessing time. */
        public Builder preprocess(double ms) {
            preprocess = ms;
            return this;
        }

        /** CLIP encoder + projector time. */
        public Builder clip(double ms) {
            clip = ms;
            return this;
        }

        /** LLM prefill time. */
        public Builder prefill(double ms) {
            prefill = ms;
            return this;
        }

        /** Generation time. */
        public Builder decode(double ms) {
            decode = ms;
            return this;
        }

        /** SAM image-encoder time. */
        public Builder samEncoder(double ms) {
            samEncoder = ms;
            return this;
        }

        /** Pixel decoder + post-processing time. */
        public Builder masks(double ms) {
            masks = ms;
            return this;
        }

        /** End-to-end time. */
        public Builder total(double ms) {
            total = ms;
            return this;
        }

        /** Any other stage, kept in call order. */
        public Builder other(String stage, double ms) {
            other.put(Objects.requireNonNull(stage, "stage"), ms);
            return this;
        }

        /** The timings (validated). */
        public Timings build() {
            return new Timings(load, preprocess, clip, prefill, decode, samEncoder, masks, total, other);
        }
    }
}
