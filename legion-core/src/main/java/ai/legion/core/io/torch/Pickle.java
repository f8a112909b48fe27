package ai.legion.core.io.torch;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/** Python values as a restricted unpickler produces them, besides null, Boolean, Long, BigInteger, Double, String, byte[]. */
final class Pickle {

    private Pickle() {}

    /** A Python tuple (immutable; may hold nulls for None). */
    record Tuple(List<Object> items) {
        Tuple {
            items = Collections.unmodifiableList(new ArrayList<>(items));
        }

        int size() {
            return items.size();
        }

        Object get(int i) {
            return items.get(i);
        }
    }

    /** A reference to a whitelisted global such as {@code torch._utils._rebuild_tensor_v2}. */
    record Global(String module, String name) {
        String qualified() {
            return module + "." + name;
        }
    }

    /** A short description of a value's Python type for error messages (never prints contents). */
    static String typeOf(Object o) {
        if (o == null) {
            return "None";
        } else if (o instanceof Tuple) {
            return "tuple";
        } else if (o instanceof Global g) {
            return "global " + g.qualified();
        } else if (o instanceof Map) {
            return "dict";
        } else if (o instanceof List) {
            return "list";
        } else if (o instanceof String) {
            return "str";
        } else if (o instanceof byte[]) {
            return "bytes";
        } else if (o instanceof Long || o instanceof BigInteger) {
            return "int";
        } else if (o instanceof Double) {
            return "float";
        } else if (o instanceof Boolean) {
            return "bool";
        }
        return o.getClass().getSimpleName();
    }
}
