package ai.legion.cli.reliability;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ContainerNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Seeded mutations of byte strings and JSON documents. Every method takes the {@link Random} of one case, so
 * a case is reproduced from its seed alone; the returned description says what was done (for failure messages).
 */
final class Mutator {

    /** The mutated bytes and what was done to them. */
    record Mutant(byte[] bytes, String what) {}

    /** Number texts that sit on the edges of what readers accept (raw JSON, so NaN/Infinity unquoted). */
    static final List<String> EXTREME_NUMBERS = List.of("NaN", "Infinity", "-Infinity", "1e9", "-1", "-1e9", "0",
            "1e308", "-0.0", "2147483648", "-2147483649", "9223372036854775808", "1.5", "1e-320", "4294967296",
            "1000000000000");
    /** Values of other JSON types swapped in for a value. */
    static final List<String> OTHER_TYPES = List.of("\"x\"", "\"\"", "[]", "{}", "null", "true", "[[1,2]]",
            "{\"a\":[null]}", "\"1e9\"", "[NaN]");
    private static final byte[] INTERESTING = {0, (byte) 0xff, 0x7f, (byte) 0x80, 1, '"', '{', '[', ']', '}', ',', ':'};
    private static final String RAW = "@@RAW@@";
    private static final ObjectMapper JSON = new ObjectMapper();

    private Mutator() {}

    /**
     * One of the byte-level mutations: bit flips, truncation, splice (a chunk of {@code donor} over a range),
     * a repeated chunk, a deleted range or interesting bytes.
     */
    static Mutant bytes(Random rnd, byte[] seed, byte[] donor) {
        return bytesIn(rnd, seed, donor, 0, seed.length);
    }

    /** {@link #bytes} confined to {@code [from, to)} of the seed (e.g. a header), except truncation. */
    static Mutant bytesIn(Random rnd, byte[] seed, byte[] donor, int from, int to) {
        int span = Math.max(1, to - from);
        int at = from + rnd.nextInt(span);
        switch (rnd.nextInt(7)) {
            case 0: {
                byte[] b = seed.clone();
                int flips = 1 + rnd.nextInt(8);
                StringBuilder where = new StringBuilder();
                for (int i = 0; i < flips; i++) {
                    int p = from + rnd.nextInt(span);
                    if (p < b.length) {
                        b[p] ^= (byte) (1 << rnd.nextInt(8));
                        where.append(i == 0 ? "" : ",").append(p);
                    }
                }
                return new Mutant(b, "flip bits at " + where);
            }
            case 1: {
                int len = rnd.nextInt(seed.length + 1);
                return new Mutant(Arrays.copyOf(seed, len), "truncate to " + len);
            }
            case 2: {
                int len = 1 + rnd.nextInt(Math.min(64, Math.max(1, donor.length)));
                int src = rnd.nextInt(Math.max(1, donor.length - len + 1));
                byte[] chunk = Arrays.copyOfRange(donor, src, Math.min(donor.length, src + len));
                return new Mutant(replace(seed, at, Math.min(seed.length - at, rnd.nextInt(len + 1)), chunk),
                        "splice " + chunk.length + " donor bytes from " + src + " at " + at);
            }
            case 3: {
                int len = 1 + rnd.nextInt(Math.max(1, Math.min(32, seed.length - at)));
                int times = 2 + rnd.nextInt(rnd.nextBoolean() ? 8 : 2000);
                byte[] chunk = Arrays.copyOfRange(seed, at, Math.min(seed.length, at + len));
                byte[] rep = new byte[chunk.length * times];
                for (int i = 0; i < times; i++) {
                    System.arraycopy(chunk, 0, rep, i * chunk.length, chunk.length);
                }
                return new Mutant(replace(seed, at, 0, rep), "repeat " + chunk.length + " bytes at " + at + " x"
                        + times);
            }
            case 4: {
                int len = 1 + rnd.nextInt(Math.max(1, Math.min(256, seed.length - at)));
                return new Mutant(replace(seed, at, Math.min(len, seed.length - at), new byte[0]),
                        "delete " + len + " bytes at " + at);
            }
            case 5: {
                byte[] b = seed.clone();
                int n = 1 + rnd.nextInt(4);
                for (int i = 0; i < n && at + i < b.length; i++) {
                    b[at + i] = INTERESTING[rnd.nextInt(INTERESTING.length)];
                }
                return new Mutant(b, "interesting bytes at " + at);
            }
            default: {
                byte[] noise = new byte[1 + rnd.nextInt(16)];
                rnd.nextBytes(noise);
                return new Mutant(replace(seed, at, 0, noise), "insert " + noise.length + " random bytes at " + at);
            }
        }
    }

    /**
     * One value of a JSON document replaced by an extreme number, a value of another type, a deep nesting, a
     * long string, or removed, or a key duplicated; {@code byte}-level mutations are left to {@link #bytes}.
     */
    static Mutant json(Random rnd, String seed) {
        JsonNode root;
        try {
            root = JSON.readTree(seed);
        } catch (IOException e) {
            throw new UncheckedIOException("seed is not JSON", e);
        }
        List<JsonNode[]> slots = new ArrayList<>(); // {parent, child}
        collect(root, slots);
        if (slots.isEmpty()) {
            return new Mutant(seed.getBytes(StandardCharsets.UTF_8), "unchanged (no slots)");
        }
        JsonNode[] slot = slots.get(rnd.nextInt(slots.size()));
        String raw;
        String what;
        int kind = rnd.nextInt(10);
        if (kind < 4 || kind == 9 && !slot[1].isNumber()) {
            raw = EXTREME_NUMBERS.get(rnd.nextInt(EXTREME_NUMBERS.size()));
            what = "number " + raw;
        } else if (kind < 7) {
            raw = OTHER_TYPES.get(rnd.nextInt(OTHER_TYPES.size()));
            what = "type swap to " + raw;
        } else if (kind == 7) {
            int depth = 1 + rnd.nextInt(20_000);
            raw = "[".repeat(depth) + "]".repeat(depth);
            what = "nesting " + depth;
        } else if (kind == 8) {
            raw = "\"" + "A".repeat(1 + rnd.nextInt(200_000)) + "\"";
            what = "string of " + (raw.length() - 2);
        } else {
            raw = slot[1].asText() + "0".repeat(1 + rnd.nextInt(30));
            what = "digits appended";
        }
        if (rnd.nextInt(8) == 0 && slot[0] instanceof ObjectNode || slot[0] == null) {
            return new Mutant(removeOrRoot(root, slot, raw, rnd), "remove or replace root: " + what);
        }
        set(slot, new TextNode(RAW));
        String text = write(root).replace("\"" + RAW + "\"", raw);
        return new Mutant(text.getBytes(StandardCharsets.UTF_8), "at " + pointer(slot) + ": " + what);
    }

    private static byte[] removeOrRoot(JsonNode root, JsonNode[] slot, String raw, Random rnd) {
        if (slot[0] == null) {
            return raw.getBytes(StandardCharsets.UTF_8);
        }
        ObjectNode parent = (ObjectNode) slot[0];
        for (Iterator<Map.Entry<String, JsonNode>> it = parent.fields(); it.hasNext();) {
            if (it.next().getValue() == slot[1]) {
                it.remove();
                break;
            }
        }
        String text = write(root);
        if (rnd.nextBoolean() && text.length() > 2) { // a duplicate key: the first key of the object again
            int brace = text.indexOf('{');
            int colon = text.indexOf(':', brace);
            if (brace >= 0 && colon > brace) {
                String key = text.substring(brace + 1, colon);
                text = text.substring(0, brace + 1) + key + ":" + raw + "," + text.substring(brace + 1);
            }
        }
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static void collect(JsonNode node, List<JsonNode[]> out) {
        if (out.isEmpty()) {
            out.add(new JsonNode[] {null, node});
        }
        if (node instanceof ContainerNode<?>) {
            for (Iterator<JsonNode> it = node.elements(); it.hasNext();) {
                JsonNode child = it.next();
                out.add(new JsonNode[] {node, child});
                collect(child, out);
            }
        }
    }

    private static void set(JsonNode[] slot, JsonNode value) {
        if (slot[0] instanceof ObjectNode o) {
            for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getValue() == slot[1]) {
                    e.setValue(value);
                    return;
                }
            }
        } else if (slot[0] instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                if (a.get(i) == slot[1]) {
                    a.set(i, value);
                    return;
                }
            }
        }
    }

    private static String pointer(JsonNode[] slot) {
        if (slot[0] instanceof ObjectNode o) {
            for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getValue().isTextual() && RAW.equals(e.getValue().asText())) {
                    return "key '" + e.getKey() + "'";
                }
            }
        }
        return "an element";
    }

    private static String write(JsonNode root) {
        try {
            return JSON.writeValueAsString(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code seed} with {@code remove} bytes at {@code at} replaced by {@code insert}. */
    static byte[] replace(byte[] seed, int at, int remove, byte[] insert) {
        at = Math.min(at, seed.length);
        remove = Math.max(0, Math.min(remove, seed.length - at));
        byte[] out = new byte[seed.length - remove + insert.length];
        System.arraycopy(seed, 0, out, 0, at);
        System.arraycopy(insert, 0, out, at, insert.length);
        System.arraycopy(seed, at + remove, out, at + insert.length, seed.length - at - remove);
        return out;
    }
}
