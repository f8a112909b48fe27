package ai.legion.models.nn;

import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;

/**
 * Where the weights of one layer of a {@link LayerStack} come from while it runs. The stack calls
 * {@link #acquire} before each layer and closes the lease after it; the layer reads its weights through the
 * lease's {@link Lease#store() store}.
 *
 * <p>{@link #RESIDENT} (every stack's default) hands back the caller's store: the weights are the parameters'
 * own arrays and nothing changes. Memory-budgeted execution ({@code ai.legion.models.memory.StreamedWeights})
 * instead reads a layer that does not fit in the budget from the checkpoint (or, for a GPU, copies it from host
 * memory) for the time of the lease.
 */
public interface LayerWeights {

    /** The weights are the parameters' own arrays: the lease's store is the caller's. */
    LayerWeights RESIDENT = (layer, ps) -> () -> ps;

    /**
     * Makes a layer's weights readable.
     *
     * @param layer one of the layers of a {@link LayerStack}
     * @param ps the store the stack would otherwise pass to the layer
     * @return a lease whose {@link Lease#store()} the layer runs with; close it when the layer is done
     * @throws RuntimeException when the weights cannot be read (the message names the file and tensor)
     */
    Lease acquire(Block layer, ParameterStore ps);

    /** One layer's weights, readable until {@link #close()}. */
    @FunctionalInterface
    interface Lease extends AutoCloseable {

        /** The store the layer reads its weights through. */
        ParameterStore store();

        /** Releases the weights (no checked exception). */
        @Override
        default void close() {
        }
    }
}
