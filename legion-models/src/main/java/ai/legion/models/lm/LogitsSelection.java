package ai.legion.models.lm;

import java.util.Arrays;

/**
 * Which positions a {@link CausalLm} computes logits for: {@code lm_head} is
 * {@code [vocab, hidden]} (32007 × 4096 for LEGION), so logits for every one of hundreds of positions
 * are often not wanted.
 */
public final class LogitsSelection {

    private enum Kind { ALL, NONE, LAST, POSITIONS }

    private static final LogitsSelection ALL = new LogitsSelection(Kind.ALL, 0, null);
    private static final LogitsSelection NONE = new LogitsSelection(Kind.NONE, 0, null);

    private final Kind kind;
    private final int last;
    private final long[] positions;

    private LogitsSelection(Kind kind, int last, long[] positions) {
        this.kind = kind;
        this.last = last;
        this.positions = positions;
    }

    /** Every position: logits {@code [B, T, V]}. */
    public static LogitsSelection all() {
        return ALL;
    }

    /** No logits (hidden states only). */
    public static LogitsSelection none() {
        return NONE;
    }

    /** The last {@code n} positions: logits {@code [B, n, V]}. */
    public static LogitsSelection last(int n) {
        if (n <= 0) {
            throw new IllegalArgumentException("LogitsSelection: last n must be positive, got " + n);
        }
        return new LogitsSelection(Kind.LAST, n, null);
    }

    /** The given positions (0-based, in order): logits {@code [B, positions.length, V]}. */
    public static LogitsSelection positions(long... positions) {
        if (positions.length == 0) {
            throw new IllegalArgumentException("LogitsSelection: no positions given");
        }
        return new LogitsSelection(Kind.POSITIONS, 0, positions.clone());
    }

    /** Whether no logits are wanted. */
    public boolean isNone() {
        return kind == Kind.NONE;
    }

    /** Whether every position gets logits. */
    public boolean isAll() {
        return kind == Kind.ALL;
    }

    /** The selected positions for a sequence of length {@code t}, or null for all. */
    public long[] resolve(long t) {
        switch (kind) {
            case ALL:
                return null;
            case NONE:
                return new long[0];
            case LAST: {
                if (last > t) {
                    throw new IllegalArgumentException("CausalLm: logits for the last " + last
                            + " positions requested, the sequence has " + t);
                }
                long[] p = new long[last];
                for (int i = 0; i < last; i++) {
                    p[i] = t - last + i;
                }
                return p;
            }
            default:
                for (long p : positions) {
                    if (p < 0 || p >= t) {
                        throw new IllegalArgumentException("CausalLm: logits position " + p
                                + " outside the sequence [0, " + t + ")");
                    }
                }
                return positions.clone();
        }
    }

    @Override
    public String toString() {
        return switch (kind) {
            case ALL -> "all";
            case NONE -> "none";
            case LAST -> "last " + last;
            default -> "positions " + Arrays.toString(positions);
        };
    }
}
