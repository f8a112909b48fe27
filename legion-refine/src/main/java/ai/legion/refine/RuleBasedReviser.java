package ai.legion.refine;

import ai.legion.core.report.Artifact;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * An offline, deterministic {@link PromptReviser}. It keeps the prompt's shape that upstream's LLM
 * instruction asks for (a scene description followed by comma-separated modifiers, under a word budget)
 * and adds <em>constraint modifiers</em> derived from LEGION's findings:
 *
 * <ol>
 *   <li>Each artifact's phrase is matched against a table of artifact kinds (hands, faces, body, text,
 *       lighting, reflections, perspective, architecture, texture, merged/floating objects, physics,
 *       animals, vehicles); when the phrase matches nothing, its explanation is tried. Every kind that
 *       matches adds its modifier (e.g. "anatomically correct hands with five fingers"), at most two per
 *       artifact. An artifact that matches no kind adds {@code "realistic well-formed <phrase>"}.</li>
 *   <li>The prompt is split at commas into the scene (first part) and its modifiers. Priority when the
 *       budget is tight: the scene, then the constraints from the latest iteration, then the prompt's own
 *       modifiers, then constraints from older iterations of the memory bank. Modifiers already present
 *       (case-insensitive) are not repeated.</li>
 *   <li>The result is {@code scene, kept modifiers (their order), new constraints}, at most
 *       {@link #maxWords()} words (the scene alone is cut at the budget if it is longer).</li>
 * </ol>
 *
 * An iteration without artifacts adds nothing: the prompt comes back unchanged (within the budget).
 */
public final class RuleBasedReviser implements PromptReviser {

    /**
     * Upstream's rule "Output prompt should have less than 50 words"
     * ({@code scripts/refine/regenerator.py::optimize_image_with_reflection}): at most 49 words.
     */
    public static final int DEFAULT_MAX_WORDS = 49;

    private static final int MAX_RULES_PER_ARTIFACT = 2;
    private static final int MAX_PHRASE_WORDS = 4;

    private record Rule(Pattern pattern, String modifier) {
        Rule(String regex, String modifier) {
            this(Pattern.compile("\\b(?:" + regex + ")\\b", Pattern.CASE_INSENSITIVE), modifier);
        }
    }

    private static final List<Rule> RULES = List.of(
            new Rule("hands?|fingers?|palms?|thumbs?|wrists?|knuckles?", "anatomically correct hands with five fingers"),
            new Rule("faces?|facial|eyes?|mouths?|teeth|tooth|nose|lips|ears?|eyebrows?", "natural symmetric facial features"),
            new Rule("arms?|legs?|limbs?|feet|foot|toes?|torso|anatomy|neck|shoulders?|body|bodies|knees?", "correct body proportions"),
            new Rule("text|texts|letters?|words?|writing|signs?|signage|logos?|characters?|fonts?|captions?", "clean legible text"),
            new Rule("shadows?|lighting|illumination|highlights?|light|lights", "consistent lighting and shadows"),
            new Rule("reflections?|reflective|mirrors?|refraction", "physically accurate reflections"),
            new Rule("perspective|geometry|vanishing|proportions?|scale|symmetry|asymmetr\\w*", "coherent perspective and scale"),
            new Rule("buildings?|windows?|walls?|roofs?|architecture|architectural|bridges?|stairs|staircases?|columns?", "structurally coherent architecture"),
            new Rule("textures?|blurr?y|blur|blurred|smudged?|noisy|grainy|pixelated|patterns?", "sharp consistent textures"),
            new Rule("floating|floats?|merg\\w*|fused|fusing|blend\\w*|intersect\\w*|overlapp\\w*|penetrat\\w*", "clearly separated objects with solid contact"),
            new Rule("gravity|physics|physical|physically|impossible|implausible|unsupported", "physically plausible scene"),
            new Rule("animals?|dogs?|cats?|horses?|birds?|cows?|paws?|tails?|fur|wings?|beaks?|claws?|horns?|hooves|hoof|feathers?", "anatomically correct animals"),
            new Rule("wheels?|vehicles?|cars?|bicycles?|bikes?|motorcycles?", "mechanically correct vehicles"));

    private static final Pattern LEADING_ARTICLE = Pattern.compile("^(?:the|a|an|some|this|that)\\s+", Pattern.CASE_INSENSITIVE);

    private final int maxWords;

    /** A reviser with upstream's budget ({@value #DEFAULT_MAX_WORDS} words). */
    public RuleBasedReviser() {
        this(DEFAULT_MAX_WORDS);
    }

    /** A reviser whose prompts have at most {@code maxWords} words (&ge; 1). */
    public RuleBasedReviser(int maxWords) {
        if (maxWords < 1) {
            throw new IllegalArgumentException("maxWords must be >= 1, got " + maxWords);
        }
        this.maxWords = maxWords;
    }

    /** The word budget. */
    public int maxWords() {
        return maxWords;
    }

    @Override
    public String revise(String prompt, MemoryBank memory) {
        List<String> parts = split(prompt);
        String scene = parts.isEmpty() ? "" : parts.get(0);
        List<String> own = parts.size() > 1 ? parts.subList(1, parts.size()) : List.of();
        if (words(scene) >= maxWords) {
            return firstWords(scene, maxWords);
        }
        Set<String> seen = new LinkedHashSet<>();
        seen.add(normalize(scene));
        own.forEach(m -> seen.add(normalize(m)));

        List<MemoryBank.Entry> entries = memory.entries();
        List<String> latest = new ArrayList<>();
        List<String> older = new ArrayList<>();
        for (int i = entries.size() - 1; i >= 0; i--) {
            List<String> target = i == entries.size() - 1 ? latest : older;
            for (Artifact a : entries.get(i).report().artifacts()) {
                for (String c : constraints(a)) {
                    if (seen.add(normalize(c))) {
                        target.add(c);
                    }
                }
            }
        }

        int used = words(scene);
        List<String> acceptedNew = new ArrayList<>();
        for (String c : latest) {
            if (used + words(c) <= maxWords) {
                acceptedNew.add(c);
                used += words(c);
            }
        }
        List<String> acceptedOwn = new ArrayList<>();
        for (String m : own) {
            if (used + words(m) <= maxWords) {
                acceptedOwn.add(m);
                used += words(m);
            }
        }
        for (String c : older) {
            if (used + words(c) <= maxWords) {
                acceptedNew.add(c);
                used += words(c);
            }
        }
        List<String> out = new ArrayList<>();
        if (!scene.isEmpty()) {
            out.add(scene);
        }
        out.addAll(acceptedOwn);
        out.addAll(acceptedNew);
        String revised = String.join(", ", out);
        return revised.isBlank() ? prompt.strip() : revised;
    }

    /**
     * The constraint modifiers one artifact contributes (see the class comment), in rule order; empty when
     * the artifact has neither a phrase nor an explanation.
     */
    public static List<String> constraints(Artifact artifact) {
        List<String> out = match(artifact.phrase());
        if (out.isEmpty()) {
            out = match(artifact.explanation());
        }
        if (out.isEmpty()) {
            String phrase = cleanPhrase(artifact.phrase());
            if (!phrase.isEmpty()) {
                out = List.of("realistic well-formed " + phrase);
            }
        }
        return out;
    }

    private static List<String> match(String text) {
        List<String> out = new ArrayList<>();
        if (text == null || text.isBlank()) {
            return out;
        }
        for (Rule r : RULES) {
            if (out.size() < MAX_RULES_PER_ARTIFACT && r.pattern().matcher(text).find()) {
                out.add(r.modifier());
            }
        }
        return out;
    }

    private static String cleanPhrase(String phrase) {
        String p = phrase.toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N}\\s'-]", " ").strip().replaceAll("\\s+", " ");
        p = LEADING_ARTICLE.matcher(p).replaceFirst("");
        return firstWords(p, MAX_PHRASE_WORDS);
    }

    private static List<String> split(String prompt) {
        List<String> out = new ArrayList<>();
        for (String s : prompt.split(",")) {
            String t = s.strip().replaceAll("\\s+", " ");
            if (!t.isEmpty()) {
                out.add(t);
            }
        }
        return out;
    }

    private static String normalize(String s) {
        return s.toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N}]+", " ").strip();
    }

    /** Whitespace-separated words of {@code s}. */
    static int words(String s) {
        String t = s.strip();
        return t.isEmpty() ? 0 : t.split("\\s+").length;
    }

    private static String firstWords(String s, int n) {
        String[] w = s.strip().split("\\s+");
        return w.length <= n ? s.strip() : String.join(" ", java.util.Arrays.copyOf(w, n));
    }

    @Override
    public String toString() {
        return "RuleBasedReviser[maxWords=" + maxWords + "]";
    }
}
