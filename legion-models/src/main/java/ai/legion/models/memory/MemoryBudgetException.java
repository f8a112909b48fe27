package ai.legion.models.memory;

/**
 * A memory budget below what the model needs with every layer streamed. Thrown by {@link MemoryPlan#plan} before
 * any weight is read; the message names the budget, the minimum (in bytes and GiB) and what it consists of.
 */
public class MemoryBudgetException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final long budget;
    private final long minimum;

    /**
     * @param budget the budget asked for
     * @param minimum what the model needs at least
     * @param breakdown what the minimum consists of
     */
    public MemoryBudgetException(long budget, long minimum, String breakdown) {
        super("the memory budget of " + MemoryBudget.exact(budget) + " is below the minimum of "
                + MemoryBudget.exact(minimum) + " this model needs with every layer streamed: " + breakdown
                + "; raise the budget (maxMemory, --max-memory) or lower the batch size or the number of new tokens");
        this.budget = budget;
        this.minimum = minimum;
    }

    /** The budget asked for, in bytes. */
    public long budget() {
        return budget;
    }

    /** The smallest budget the model runs in, in bytes. */
    public long minimum() {
        return minimum;
    }
}
