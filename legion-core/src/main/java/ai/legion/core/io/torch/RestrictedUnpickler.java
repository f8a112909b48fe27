package ai.legion.core.io.torch;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A pickle reader that never executes code. It understands the opcodes {@code torch.save} emits
 * (protocols 2 to 5, binary forms) and resolves only the globals a {@link Resolver} allows; any other
 * global is rejected by name before anything is built.
 *
 * <p>Written here rather than taken from a general unpickler because checkpoints are untrusted input:
 * every length is checked against the bytes that remain before anything is allocated, dictionary keys
 * are restricted to scalars (no hashing of cyclic structures), the stack is explicit (no recursion),
 * and the set of callable globals is per call rather than JVM-global.
 *
 * <p>Every structure is bounded as well, because one-byte opcodes (MARK, DUP, MEMOIZE, EMPTY_LIST) each
 * cost tens of heap bytes: a few hundred MB of them otherwise exhaust the heap after a minute of work. Each
 * opcode consumes at least one input byte, so the input size already bounds every count below; the
 * absolute caps bound the heap a maximal input can claim to a few hundred MB and the time to well under a
 * second. They sit far above real checkpoints: a {@code torch.save} state dict costs about 40 opcodes,
 * 10 memo entries and a stack of at most 2 x 1000 (pickle batches SETITEMS by 1000, upstream CPython
 * {@code Lib/pickle.py::_batch_setitems}) per tensor, with MARK nesting below 10.
 */
final class RestrictedUnpickler {

    /** A malformed or forbidden pickle; the message names the offset. */
    static final class PickleError extends Exception {
        PickleError(String message) {
            super(message);
        }
    }

    /** Decides what globals mean. */
    interface Resolver {
        /** Whether {@code module.name} may appear at all. */
        boolean allows(String module, String name);

        /** Calls an allowed global (REDUCE / NEWOBJ). */
        Object call(Pickle.Global function, Pickle.Tuple args) throws PickleError;

        /** Resolves a persistent id (BINPERSID). */
        Object persistentLoad(Object pid) throws PickleError;
    }

    /** Opcodes per pickle: 400k tensors' worth. */
    static final int MAX_OPS = 1 << 24;
    /** Values on the stack, MARKs included. */
    static final int MAX_STACK = 1 << 20;
    /** Open MARKs. */
    static final int MAX_MARKS = 1 << 12;
    /** Memo entries. */
    static final int MAX_MEMO = 1 << 20;
    /** Items of one list, dict (keys plus values) or tuple. */
    static final int MAX_ITEMS = 1 << 20;

    private static final Object MARK = new Object();

    private final byte[] in;
    private final Resolver resolver;
    private final List<Object> stack = new ArrayList<>();
    private final List<Integer> marks = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();
    private int pos;
    private int opPos;
    private int op;
    private int ops;

    RestrictedUnpickler(byte[] data, Resolver resolver) {
        this.in = data;
        this.resolver = resolver;
    }

    /** Reads the pickle and returns its top object. */
    Object load() throws PickleError {
        while (true) {
            opPos = pos;
            op = u8();
            if (++ops > MAX_OPS) {
                throw limit("opcode count", MAX_OPS);
            }
            switch (op) {
                case 0x80: // PROTO
                    int proto = u8();
                    if (proto > 5) {
                        throw error("unsupported pickle protocol " + proto);
                    }
                    break;
                case 0x95: // FRAME: framing hint only
                    need(8);
                    pos += 8;
                    break;
                case '.': // STOP
                    if (stack.size() != 1 || !marks.isEmpty()) {
                        throw error("STOP with " + stack.size() + " values on the stack (expected 1)");
                    }
                    return pop();
                case '(':
                    if (marks.size() >= MAX_MARKS) {
                        throw limit("MARK nesting", MAX_MARKS);
                    }
                    marks.add(stack.size());
                    push(MARK);
                    break;
                case '0': // POP
                    if (!stack.isEmpty() && stack.get(stack.size() - 1) == MARK) {
                        popMark();
                    } else {
                        pop();
                    }
                    break;
                case '1': // POP_MARK
                    popMark();
                    break;
                case '2': // DUP
                    push(peek());
                    break;
                case 'N':
                    push(null);
                    break;
                case 0x88:
                    push(Boolean.TRUE);
                    break;
                case 0x89:
                    push(Boolean.FALSE);
                    break;
                case 'J': // BININT
                    push((long) i32());
                    break;
                case 'K': // BININT1
                    push((long) u8());
                    break;
                case 'M': // BININT2
                    push((long) (u8() | (u8() << 8)));
                    break;
                case 0x8a: // LONG1
                    push(longFrom(u8()));
                    break;
                case 0x8b: // LONG4
                    push(longFrom(length(i32())));
                    break;
                case 'G': // BINFLOAT, big-endian
                    need(8);
                    long bits = 0;
                    for (int i = 0; i < 8; i++) {
                        bits = (bits << 8) | (in[pos++] & 0xFF);
                    }
                    push(Double.longBitsToDouble(bits));
                    break;
                case 'X': // BINUNICODE
                    push(utf8(length(i32())));
                    break;
                case 0x8c: // SHORT_BINUNICODE
                    push(utf8(u8()));
                    break;
                case 0x8d: // BINUNICODE8
                    push(utf8(length(i64())));
                    break;
                case 'T': // BINSTRING (py2 str, latin-1)
                    push(latin1(length(i32())));
                    break;
                case 'U': // SHORT_BINSTRING
                    push(latin1(u8()));
                    break;
                case 'B': // BINBYTES
                    push(bytes(length(i32())));
                    break;
                case 'C': // SHORT_BINBYTES
                    push(bytes(u8()));
                    break;
                case 0x8e: // BINBYTES8
                case 0x96: // BYTEARRAY8
                    push(bytes(length(i64())));
                    break;
                case ')':
                    push(new Pickle.Tuple(List.of()));
                    break;
                case 't':
                    push(new Pickle.Tuple(popToMark()));
                    break;
                case 0x85:
                case 0x86:
                case 0x87: {
                    int n = op - 0x84;
                    Object[] items = new Object[n];
                    for (int i = n - 1; i >= 0; i--) {
                        items[i] = pop();
                    }
                    push(new Pickle.Tuple(java.util.Arrays.asList(items)));
                    break;
                }
                case ']':
                    push(new ArrayList<>());
                    break;
                case 'l':
                    push(new ArrayList<>(popToMark()));
                    break;
                case 'a': { // APPEND
                    Object v = pop();
                    List<Object> l = list(peek());
                    checkItems(l.size() + 1L);
                    l.add(v);
                    break;
                }
                case 'e': { // APPENDS
                    List<Object> items = popToMark();
                    List<Object> l = list(peek());
                    checkItems((long) l.size() + items.size());
                    l.addAll(items);
                    break;
                }
                case '}':
                    push(new LinkedHashMap<>());
                    break;
                case 'd': {
                    List<Object> items = popToMark();
                    Map<Object, Object> m = new LinkedHashMap<>();
                    putAll(m, items);
                    push(m);
                    break;
                }
                case 's': { // SETITEM
                    Object v = pop();
                    Object k = pop();
                    Map<Object, Object> d = dict(peek());
                    checkItems(2L * d.size() + 2);
                    d.put(key(k), v);
                    break;
                }
                case 'u': { // SETITEMS
                    List<Object> items = popToMark();
                    putAll(dict(peek()), items);
                    break;
                }
                case 'q': // BINPUT
                    memoPut(u8());
                    break;
                case 'r': // LONG_BINPUT
                    memoPut(i32() & 0xFFFFFFFFL);
                    break;
                case 0x94: // MEMOIZE
                    memoPut(memo.size());
                    break;
                case 'h': // BINGET
                    push(memoGet(u8()));
                    break;
                case 'j': // LONG_BINGET
                    push(memoGet(i32() & 0xFFFFFFFFL));
                    break;
                case 'c': { // GLOBAL module\nname\n
                    String module = line();
                    String name = line();
                    push(global(module, name));
                    break;
                }
                case 0x93: { // STACK_GLOBAL
                    Object name = pop();
                    Object module = pop();
                    if (!(module instanceof String m) || !(name instanceof String n)) {
                        throw error("STACK_GLOBAL needs two strings, found " + Pickle.typeOf(module) + " and "
                                + Pickle.typeOf(name));
                    }
                    push(global(m, n));
                    break;
                }
                case 'R': // REDUCE
                case 0x81: { // NEWOBJ
                    Object args = pop();
                    Object fn = pop();
                    if (!(fn instanceof Pickle.Global g)) {
                        throw error((op == 'R' ? "REDUCE" : "NEWOBJ") + " on " + Pickle.typeOf(fn) + " (not a global)");
                    }
                    if (!(args instanceof Pickle.Tuple t)) {
                        throw error("arguments of " + g.qualified() + " are a " + Pickle.typeOf(args) + ", not a tuple");
                    }
                    push(resolver.call(g, t));
                    break;
                }
                case 'b': { // BUILD: state of an OrderedDict (_metadata) or a Parameter; not needed for weights
                    pop();
                    Object target = peek();
                    if (!(target instanceof Map) && !(target instanceof TorchTensorRef)) {
                        throw error("BUILD on a " + Pickle.typeOf(target) + " is not supported");
                    }
                    break;
                }
                case 'Q': // BINPERSID
                    push(resolver.persistentLoad(pop()));
                    break;
                default:
                    throw error(String.format("unsupported or invalid opcode 0x%02x", op));
            }
        }
    }

    private Object global(String module, String name) throws PickleError {
        if (!resolver.allows(module, name)) {
            throw error("forbidden global '" + module + "." + name + "': a weights checkpoint may only reference "
                    + "tensor rebuild functions, storage types and collections.OrderedDict");
        }
        return new Pickle.Global(module, name);
    }

    private PickleError error(String message) {
        return new PickleError("data.pkl offset " + opPos + ": " + message);
    }

    /** A structure outgrew its cap: names the opcode, its offset (via {@link #error}) and the limit. */
    private PickleError limit(String what, int max) {
        return error(String.format("opcode 0x%02x would take the %s past its limit of %d; a weights "
                + "checkpoint never comes near it (hostile or damaged pickle)", op, what, max));
    }

    private void checkItems(long n) throws PickleError {
        if (n > MAX_ITEMS) {
            throw limit("container size", MAX_ITEMS);
        }
    }

    private void memoPut(long key) throws PickleError {
        Object v = peek();
        if (memo.size() >= MAX_MEMO && !memo.containsKey(key)) {
            throw limit("memo size", MAX_MEMO);
        }
        memo.put(key, v);
    }

    private void need(long n) throws PickleError {
        if (n > in.length - pos) {
            throw error("needs " + n + " bytes but only " + (in.length - pos) + " remain (truncated pickle)");
        }
    }

    private int u8() throws PickleError {
        need(1);
        return in[pos++] & 0xFF;
    }

    private int i32() throws PickleError {
        need(4);
        int v = (in[pos] & 0xFF) | (in[pos + 1] & 0xFF) << 8 | (in[pos + 2] & 0xFF) << 16 | (in[pos + 3] & 0xFF) << 24;
        pos += 4;
        return v;
    }

    private long i64() throws PickleError {
        need(8);
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (in[pos + i] & 0xFF);
        }
        pos += 8;
        return v;
    }

    /** Validates a claimed length against the bytes that remain, before anything is allocated. */
    private int length(long n) throws PickleError {
        if (n < 0 || n > in.length - pos) {
            throw error("claimed length " + n + " exceeds the " + (in.length - pos) + " bytes that remain");
        }
        return (int) n;
    }

    private String utf8(int n) throws PickleError {
        need(n);
        String s = new String(in, pos, n, StandardCharsets.UTF_8);
        pos += n;
        return s;
    }

    private String latin1(int n) throws PickleError {
        need(n);
        String s = new String(in, pos, n, StandardCharsets.ISO_8859_1);
        pos += n;
        return s;
    }

    private byte[] bytes(int n) throws PickleError {
        need(n);
        byte[] b = java.util.Arrays.copyOfRange(in, pos, pos + n);
        pos += n;
        return b;
    }

    private String line() throws PickleError {
        int start = pos;
        while (pos < in.length && in[pos] != '\n') {
            pos++;
        }
        if (pos >= in.length) {
            throw error("unterminated GLOBAL name");
        }
        String s = new String(in, start, pos - start, StandardCharsets.UTF_8);
        pos++;
        return s;
    }

    /** Two's-complement little-endian integer of n bytes (LONG1 / LONG4). */
    private Object longFrom(int n) throws PickleError {
        need(n);
        if (n == 0) {
            pos += 0;
            return 0L;
        }
        byte[] be = new byte[n];
        for (int i = 0; i < n; i++) {
            be[i] = in[pos + n - 1 - i];
        }
        pos += n;
        BigInteger v = new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private void push(Object o) throws PickleError {
        if (stack.size() >= MAX_STACK) {
            throw limit("stack depth", MAX_STACK);
        }
        stack.add(o);
    }

    private Object pop() throws PickleError {
        if (stack.isEmpty()) {
            throw error("stack underflow");
        }
        Object o = stack.remove(stack.size() - 1);
        if (o == MARK) {
            throw error("unexpected MARK on the stack");
        }
        return o;
    }

    private Object peek() throws PickleError {
        if (stack.isEmpty() || stack.get(stack.size() - 1) == MARK) {
            throw error("stack underflow");
        }
        return stack.get(stack.size() - 1);
    }

    private List<Object> popToMark() throws PickleError {
        if (marks.isEmpty()) {
            throw error("no MARK on the stack");
        }
        int m = marks.remove(marks.size() - 1);
        List<Object> items = new ArrayList<>(stack.subList(m + 1, stack.size()));
        stack.subList(m, stack.size()).clear();
        return items;
    }

    private void popMark() throws PickleError {
        popToMark();
    }

    private Object memoGet(long key) throws PickleError {
        if (!memo.containsKey(key)) {
            throw error("memo key " + key + " was never stored");
        }
        return memo.get(key);
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object o) throws PickleError {
        if (o instanceof ArrayList) {
            return (List<Object>) o;
        }
        throw error("APPEND to a " + Pickle.typeOf(o));
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dict(Object o) throws PickleError {
        if (o instanceof LinkedHashMap) {
            return (Map<Object, Object>) o;
        }
        throw error("SETITEM on a " + Pickle.typeOf(o));
    }

    private void putAll(Map<Object, Object> m, List<Object> items) throws PickleError {
        if (items.size() % 2 != 0) {
            throw error("odd number of items for a dict");
        }
        checkItems(2L * m.size() + items.size());
        for (int i = 0; i < items.size(); i += 2) {
            m.put(key(items.get(i)), items.get(i + 1));
        }
    }

    /** Dict keys are limited to scalars so that hashing never walks a (possibly cyclic) structure. */
    private Object key(Object k) throws PickleError {
        if (k == null || k instanceof String || k instanceof Long || k instanceof BigInteger || k instanceof Boolean
                || k instanceof Double) {
            return k;
        }
        throw error("dict key of type " + Pickle.typeOf(k) + " is not supported");
    }

    /** Globals every torch checkpoint resolver understands, for {@link Resolver#allows}. */
    static boolean isStorageType(String module, String name) {
        return "torch".equals(module) && name.endsWith("Storage");
    }

    static final Set<String> TENSOR_REBUILDERS = Set.of(
            "torch._utils._rebuild_tensor", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor_v3",
            "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state");
}
