package ai.legion.models.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.function.UnaryOperator;

/**
 * Frees a computation's temporaries as soon as it ends. DJL keeps every intermediate array until its
 * manager closes, so a whole-model forward would otherwise hold all layers' temporaries at once (for a
 * 7B LLM over 600 tokens, gigabytes). Closing a handle only drops a reference: autograd keeps what the
 * backward pass needs, so this is also safe while recording gradients.
 */
public final class Scopes {

    private Scopes() {}

    /**
     * Runs {@code body(input)} with {@code input} temporarily attached to a fresh sub-manager, so that
     * every array the body creates from it lands there; the result is moved to the input's manager and
     * everything else is freed.
     */
    public static NDArray scoped(NDArray input, UnaryOperator<NDArray> body) {
        NDManager caller = input.getManager();
        try (NDManager scope = caller.newSubManager()) {
            input.tempAttach(scope);
            NDArray out = body.apply(input);
            out.attach(caller);
            return out;
        }
    }
}
