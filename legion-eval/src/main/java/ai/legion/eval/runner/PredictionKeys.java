package ai.legion.eval.runner;

import ai.legion.data.ArtifactRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Matches a record to the keys other tools use for their outputs: the record id, the image path as given,
 * the image's file name (upstream {@code infer.py} keys {@code explanation.json} by the image path and names
 * its output folder after the file name) or the file name without extension.
 */
final class PredictionKeys {

    private PredictionKeys() {}

    /** The names a record may go by, most specific first (no duplicates). */
    static List<String> candidates(ArtifactRecord r) {
        Set<String> out = new LinkedHashSet<>();
        out.add(r.id());
        String fileName = r.image().getFileName() == null ? r.image().toString() : r.image().getFileName().toString();
        out.add(fileName);
        out.add(stem(fileName));
        return new ArrayList<>(out);
    }

    static String stem(String fileName) {
        int dot = fileName.lastIndexOf('.');
        return dot > 0 ? fileName.substring(0, dot) : fileName;
    }

    /** The last component of a {@code /} or {@code \} separated path. */
    static String baseName(String path) {
        int i = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
        return path.substring(i + 1);
    }

    /**
     * A lookup table over the keys of a stored prediction map: exact keys, then unique file names, then
     * unique stems of the keys.
     */
    static final class Index<V> {
        private final Map<String, V> exact = new HashMap<>();
        private final Map<String, List<V>> byFileName = new HashMap<>();
        private final Map<String, List<V>> byStem = new HashMap<>();

        void put(String key, V value) {
            exact.put(key, value);
            String base = baseName(key);
            byFileName.computeIfAbsent(base, k -> new ArrayList<>()).add(value);
            byStem.computeIfAbsent(stem(base), k -> new ArrayList<>()).add(value);
        }

        int size() {
            return exact.size();
        }

        /** The value for a record, or {@code null} when no key (or only an ambiguous one) matches. */
        V find(ArtifactRecord r) {
            for (String k : List.of(r.id(), r.image().toString())) {
                V v = exact.get(k);
                if (v != null) {
                    return v;
                }
            }
            String fileName = r.image().getFileName() == null ? r.image().toString() : r.image().getFileName().toString();
            for (String k : List.of(fileName, baseName(r.id()))) {
                List<V> vs = byFileName.get(k);
                if (vs != null && vs.size() == 1) {
                    return vs.get(0);
                }
            }
            for (String k : List.of(stem(fileName), stem(baseName(r.id())))) {
                List<V> vs = byStem.get(k);
                if (vs != null && vs.size() == 1) {
                    return vs.get(0);
                }
            }
            return null;
        }
    }
}
