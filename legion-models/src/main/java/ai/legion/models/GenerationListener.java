package ai.legion.models;

/** Observes {@link LegionModel#generate}: each token as it is chosen (streaming) and the time of each phase. */
public interface GenerationListener {

    /** The phases of one generate call, in order. */
    enum Phase {
        /** The vision tower, the projector and the detection head. */
        VISION,
        /** The LLM over the prompts, up to the first token. */
        PREFILL,
        /** The remaining tokens. */
        DECODE,
        /** The grounding image encoder. */
        GROUNDING,
        /** The [SEG] projection, the pixel decoder and the resizing to the original sizes. */
        MASKS
    }

    /** A listener that observes nothing. */
    GenerationListener NONE = new GenerationListener() {};

    /** Receives each token (e.g. to stream text as it is generated). */
    @FunctionalInterface
    interface TokenSink {
        /** Called after each decoding step with the sequence index and its new token. */
        void onToken(int sequence, long token);
    }

    /** A listener that only passes tokens on. */
    static GenerationListener tokens(TokenSink sink) {
        return new GenerationListener() {
            @Override
            public void onToken(int sequence, long token) {
                sink.onToken(sequence, token);
            }
        };
    }

    /** Called after each decoding step with the sequence index and its new token. */
    default void onToken(int sequence, long token) {}

    /**
     * Called once per image when the vision phase ends, before any token, with the detection head's logits
     * {@code [fake, real]} (e.g. to show the verdict while the explanation is still being generated). Not called
     * for a checkpoint without a detection head.
     */
    default void onVerdict(int sequence, float[] clsLogits) {}

    /** Called when a phase ends, with its wall time for the whole batch. */
    default void onPhase(Phase phase, double millis) {}
}
