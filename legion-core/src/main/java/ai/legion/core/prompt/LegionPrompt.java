package ai.legion.core.prompt;

import ai.legion.core.tokenizer.LegionTokenizer;
import ai.legion.core.tokenizer.PyText;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The LEGION prompt exactly as the upstream code builds it: instruction, image prefix, the tagged
 * training answer ({@code <p> phrase </p> [SEG]}), and tokenization with the image placeholder and
 * label masking of LEGION's {@code _process_conversation}.
 */
public final class LegionPrompt {

    /** LEGION's sole training question, verbatim. */
    public static final String INSTRUCTION = "Please provide a detailed analysis of artifacts in this photo, "
            + "considering physical artifacts (e.g., optical display issues, violations of physical laws, and "
            + "spatial/perspective errors), structural artifacts (e.g., deformed objects, asymmetry, or distorted "
            + "text), and distortion artifacts (e.g., color/texture distortion, noise/blur, artistic style errors, "
            + "and material misrepresentation). Output with interleaved segmentation masks for the corresponding "
            + "parts of the answer.";

    /** The shorter instruction of the refinement ("reflection") scripts. */
    public static final String REFLECTION_INSTRUCTION = "Could you provide a detailed analysis of artifacts in this "
            + "photo? Please output with interleaved segmentation masks for the corresponding parts of the answer.";

    /** Begins every user turn; {@code <image>} is where the CLIP patch embeddings are spliced in. */
    public static final String IMAGE_PREFIX = "The <im_start><image><im_end> provides an overview of the picture.\n";

    /** Upstream {@code model_max_length} of the training tokenizer. */
    public static final int MODEL_MAX_LENGTH = 1536;

    private LegionPrompt() {}

    /** The user turn for an instruction. */
    public static String userMessage(String instruction) {
        return IMAGE_PREFIX + instruction;
    }

    /** The full inference prompt for LEGION's instruction, ending in {@code "ASSISTANT:"}. */
    public static String inferencePrompt() {
        return inferencePrompt(INSTRUCTION);
    }

    /** The full inference prompt for an instruction. */
    public static String inferencePrompt(String instruction) {
        return Conversation.render(userMessage(instruction), null);
    }

    /** Text ids are cut to {@code model_max_length - (imageTokens - 1)}: 961 for CLIP-L/336 (576 patches). */
    public static int maxTextTokens(int imageTokens) {
        return MODEL_MAX_LENGTH - (imageTokens - 1);
    }

    /**
     * A caption with its referred phrases wrapped for training.
     *
     * @param text the answer: {@code ... <p> phrase </p> [SEG]:explanation ...}
     * @param spans code-point spans {@code [start, end)} of the found phrases in the cleaned caption (Python's
     *     {@code tokens_positive}), sorted by start with equal starts in ref order
     * @param refOrder for each span, the index of the ref it came from: the k-th {@code [SEG]} of {@code text}
     *     is trained against the mask of ref {@code refOrder.get(k)}
     */
    public record TaggedCaption(String text, List<int[]> spans, List<Integer> refOrder) {}

    /**
     * LEGION's GCG tagging. The caption is stripped of quotes and whitespace; each ref's phrase is located
     * by its first case-sensitive occurrence (refs whose phrase does not occur are dropped), so refs with
     * the same phrase get the same span; spans are sorted stably by start, which is also the mask order.
     * Tags are then inserted span by span, by descending start with equal starts in ref order, at the
     * offsets recorded on the clean caption but applied to the text tagged so far. Equal, nested and
     * overlapping spans therefore cut into each other's tags, e.g. a duplicated ref gives
     * {@code <p> <p> Letters on the front of the </p> [SEG] car </p> [SEG]}: that is the text the released
     * model was trained on, one {@code [SEG]} per kept ref.
     */
    public static TaggedCaption tagCaption(String caption, List<String> phrases) {
        String c = PyText.strip(PyText.strip(caption, "\""));
        // LEGION dataset/gcg_datasets/GranDf_gcg_ds.py::LegionGCGDataset._parse_annotations: str.find offsets,
        // which count code points, then a stable sort by start
        List<int[]> found = new ArrayList<>(); // {start, end, refIndex}
        for (int i = 0; i < phrases.size(); i++) {
            String p = phrases.get(i);
            int at = c.indexOf(p);
            if (at >= 0) {
                int start = c.codePointCount(0, at);
                found.add(new int[] {start, start + p.codePointCount(0, p.length()), i});
            }
        }
        found.sort(Comparator.comparingInt(a -> a[0]));
        // GCGBaseDataset.create_conversations::tag_caption: sorted(reverse=True) keeps ties in list order
        List<int[]> insertion = new ArrayList<>(found);
        insertion.sort(Comparator.comparingInt((int[] a) -> a[0]).reversed());
        String text = c;
        for (int[] s : insertion) {
            int from = text.offsetByCodePoints(0, s[0]);
            int to = text.offsetByCodePoints(from, s[1] - s[0]);
            text = text.substring(0, from) + "<p> " + text.substring(from, to) + " </p> [SEG]" + text.substring(to);
        }
        List<int[]> spans = found.stream().map(a -> new int[] {a[0], a[1]}).toList();
        List<Integer> order = found.stream().map(a -> a[2]).toList();
        return new TaggedCaption(text, spans, order);
    }

    /** The whole training conversation for a tagged caption. */
    public static String trainingConversation(String taggedAnswer) {
        return Conversation.render(userMessage(INSTRUCTION), taggedAnswer);
    }

    /**
     * Token ids and labels of a training conversation.
     *
     * @param inputIds ids with one {@link LegionTokenizer#IMAGE_TOKEN_INDEX} per image
     * @param labels the ids where supervised (answer tokens and {@code </s>}), else {@link LegionTokenizer#IGNORE_INDEX}
     */
    public record Tokenized(long[] inputIds, long[] labels) {
        /** Positions of a token id (e.g. [SEG]) in the ids. */
        public int[] positionsOf(long tokenId) {
            return java.util.stream.IntStream.range(0, inputIds.length).filter(i -> inputIds[i] == tokenId).toArray();
        }
    }

    /**
     * LEGION's {@code _process_conversation}: BOS and every instruction part (through {@code ASSISTANT:})
     * are masked; each round's length is measured by tokenizing the round on its own, exactly as
     * upstream does; ids and labels are then cut to {@code maxTokens}.
     *
     * @throws IllegalArgumentException if a round lacks the {@code " ASSISTANT: "} separator
     */
    public static Tokenized tokenizeTraining(LegionTokenizer tokenizer, String conversation, int maxTokens) {
        long[] ids = tokenizer.encodeWithImage(conversation);
        long[] labels = ids.clone();
        int cur = 1;
        labels[0] = LegionTokenizer.IGNORE_INDEX;
        String sep = Conversation.answerSeparator();
        for (String round : conversation.split(java.util.regex.Pattern.quote(Conversation.SEP2), -1)) {
            if (round.isEmpty()) {
                break;
            }
            String[] parts = round.split(java.util.regex.Pattern.quote(sep), -1);
            if (parts.length != 2) {
                throw new IllegalArgumentException("a conversation round must contain '" + sep + "' exactly once: "
                        + round);
            }
            int roundLen = tokenizer.encodeWithImage(round).length;
            int instructionLen = tokenizer.encodeWithImage(parts[0] + sep).length - 2;
            Arrays.fill(labels, Math.min(cur, labels.length), Math.min(cur + instructionLen, labels.length),
                    LegionTokenizer.IGNORE_INDEX);
            cur += roundLen;
        }
        if (cur < labels.length) {
            Arrays.fill(labels, cur, labels.length, LegionTokenizer.IGNORE_INDEX);
        }
        int n = Math.min(ids.length, maxTokens);
        return new Tokenized(Arrays.copyOf(ids, n), Arrays.copyOf(labels, n));
    }
}
