package ai.legion.core.config;

import static ai.legion.core.config.ConfigJson.invalid;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * An HF {@code added_tokens.json}: tokens appended to the base vocabulary, token → id (LEGION adds its seven in
 * {@code scripts/loc_exp/train.py::setup_tokenizer_and_special_tokens}). The map is kept in id order.
 *
 * @param ids token → id, unmodifiable, iterating in id order
 */
public record AddedTokens(@JsonValue Map<String, Integer> ids) {

    /** Copies {@code ids} into an unmodifiable map in id order (ties by token); no null tokens or ids. */
    public AddedTokens {
        Objects.requireNonNull(ids, "ids");
        List<Map.Entry<String, Integer>> entries = new ArrayList<>(ids.entrySet());
        for (Map.Entry<String, Integer> e : entries) {
            Objects.requireNonNull(e.getKey(), "token");
            Objects.requireNonNull(e.getValue(), () -> "id of " + e.getKey());
        }
        entries.sort(Map.Entry.<String, Integer>comparingByValue().thenComparing(Map.Entry.comparingByKey()));
        Map<String, Integer> sorted = new LinkedHashMap<>();
        for (Map.Entry<String, Integer> e : entries) {
            sorted.put(e.getKey(), e.getValue());
        }
        ids = Collections.unmodifiableMap(sorted);
    }

    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    private static AddedTokens fromJson(Map<String, Integer> ids) {
        for (Map.Entry<String, Integer> e : ids.entrySet()) {
            if (e.getValue() == null) {
                throw new ConfigJson.InvalidField(e.getKey(), "has no id (null)");
            }
        }
        return new AddedTokens(ids);
    }

    /**
     * The seven tokens GLaMM/LEGION add to the LLaMA vocabulary: {@code <im_start>} 32000,
     * {@code <im_end>} 32001, {@code <bbox>} 32002, {@code <point>} 32003, {@code [SEG]} 32004,
     * {@code <p>} 32005, {@code </p>} 32006.
     */
    public static AddedTokens glamm() {
        Map<String, Integer> m = new LinkedHashMap<>();
        m.put("<im_start>", 32000);
        m.put("<im_end>", 32001);
        m.put("<bbox>", 32002);
        m.put("<point>", 32003);
        m.put("[SEG]", 32004);
        m.put("<p>", 32005);
        m.put("</p>", 32006);
        return new AddedTokens(m);
    }

    /**
     * Reads and validates an {@code added_tokens.json}.
     *
     * @throws ConfigException naming the file (and token) on IO, JSON or validation errors
     */
    public static AddedTokens read(Path file) throws ConfigException {
        return ConfigJson.readValidated(file, AddedTokens.class, AddedTokens::validate);
    }

    /** Checks that tokens are non-empty and ids non-negative and unique. */
    public void validate() throws ConfigException {
        Map<Integer, String> byId = new HashMap<>();
        for (Map.Entry<String, Integer> e : ids.entrySet()) {
            if (e.getKey().isEmpty()) {
                throw invalid("added token \"\" (empty) is not allowed");
            }
            if (e.getValue() < 0) {
                throw invalid("added token \"" + e.getKey() + "\" has negative id " + e.getValue());
            }
            String other = byId.put(e.getValue(), e.getKey());
            if (other != null) {
                throw invalid("added tokens \"" + other + "\" and \"" + e.getKey() + "\" share id " + e.getValue());
            }
        }
    }

    /** The id of {@code token}, or empty if it is not an added token. */
    public OptionalInt find(String token) {
        Integer id = ids.get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /**
     * The id of {@code token}.
     *
     * @throws IllegalArgumentException naming the token if it is not an added token
     */
    public int id(String token) {
        Integer id = ids.get(token);
        if (id == null) {
            throw new IllegalArgumentException("\"" + token + "\" is not an added token (have " + ids.keySet() + ")");
        }
        return id;
    }

    /** Whether {@code token} is an added token. */
    public boolean contains(String token) {
        return ids.containsKey(token);
    }

    /** The tokens in id order. */
    public List<String> tokens() {
        return List.copyOf(ids.keySet());
    }

    /** Number of added tokens. */
    public int size() {
        return ids.size();
    }

    /** The largest id, or empty when there are no tokens (a vocabulary must have more than this many rows). */
    public OptionalInt maxId() {
        return ids.values().stream().mapToInt(Integer::intValue).max();
    }
}
