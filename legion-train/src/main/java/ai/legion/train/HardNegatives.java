package ai.legion.train;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Hard negative captions for contrastive pretraining, as NegCLIP does (Yuksekgonul et al., "When and why
 * vision-language models behave like bags-of-words", ICLR 2023): a caption with one word swapped for another of
 * its kind ("a yellow car" -> "a yellow tree") is added to the batch as a text no image matches. A batch's other
 * captions usually differ from the right one in many ways (the background, the colours), so the plain objective
 * can be met without seeing the objects; against a caption that differs only in one object, it cannot.
 *
 * <p>The words are given as groups of interchangeable words (e.g. the object nouns of a dataset); a word belongs to
 * one group. Matching is by whole word and case-sensitive.
 */
public final class HardNegatives {

    private final List<List<String>> groups;
    private final Map<String, List<String>> groupOf = new HashMap<>();
    private final Pattern words;

    /**
     * @param groups groups of at least two distinct, non-blank words; no word in two groups
     * @throws IllegalArgumentException naming the offending group or word
     */
    public HardNegatives(List<List<String>> groups) {
        Objects.requireNonNull(groups, "groups");
        if (groups.isEmpty()) {
            throw new IllegalArgumentException("hard negatives need at least one group of words");
        }
        List<List<String>> copy = new ArrayList<>();
        for (List<String> g : groups) {
            if (g == null) {
                throw new IllegalArgumentException("a group of hard-negative words is null");
            }
            LinkedHashSet<String> distinct = new LinkedHashSet<>();
            for (String w : g) {
                if (w == null || w.isBlank() || !w.equals(w.strip())) {
                    throw new IllegalArgumentException("hard-negative group " + g + ": words must be non-blank "
                            + "without surrounding spaces, got \"" + w + "\"");
                }
                distinct.add(w);
            }
            if (distinct.size() < 2) {
                throw new IllegalArgumentException("hard-negative group " + g + " needs at least two distinct words"
                        + " (a word is swapped for another of its group)");
            }
            List<String> group = List.copyOf(distinct);
            for (String w : group) {
                if (groupOf.put(w, group) != null) {
                    throw new IllegalArgumentException("hard-negative word \"" + w + "\" is in two groups");
                }
            }
            copy.add(group);
        }
        this.groups = List.copyOf(copy);
        // longest first, so that "person" wins over a shorter word it contains if both were listed
        List<String> all = new ArrayList<>(groupOf.keySet());
        all.sort((a, b) -> a.length() != b.length() ? b.length() - a.length() : a.compareTo(b));
        StringBuilder re = new StringBuilder("\\b(?:");
        for (int i = 0; i < all.size(); i++) {
            re.append(i == 0 ? "" : "|").append(Pattern.quote(all.get(i)));
        }
        this.words = Pattern.compile(re.append(")\\b").toString());
    }

    /** The groups, as given (duplicates removed). */
    public List<List<String>> groups() {
        return groups;
    }

    /**
     * The candidate negatives of a caption in the order to try them: each occurrence of a group word, in an order
     * drawn from {@code rng}, replaced by a word of its group drawn from {@code rng}. Empty when no group word
     * occurs. More than one is offered because a swap can be invisible to the model (beyond its context length).
     */
    public List<String> candidates(String caption, SplittableRandom rng) {
        List<int[]> spans = new ArrayList<>();
        Matcher m = words.matcher(caption);
        while (m.find()) {
            spans.add(new int[] {m.start(), m.end()});
        }
        // Fisher-Yates with the caller's generator: the same seed gives the same negatives on every run
        for (int i = spans.size() - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int[] t = spans.get(i);
            spans.set(i, spans.get(j));
            spans.set(j, t);
        }
        List<String> out = new ArrayList<>(spans.size());
        for (int[] s : spans) {
            String word = caption.substring(s[0], s[1]);
            List<String> group = groupOf.get(word);
            int k = rng.nextInt(group.size() - 1);
            String other = group.get(k >= group.indexOf(word) ? k + 1 : k);
            out.add(caption.substring(0, s[0]) + other + caption.substring(s[1]));
        }
        return out;
    }
}
