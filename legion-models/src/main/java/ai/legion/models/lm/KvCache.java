package ai.legion.models.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.legion.core.io.EngineTypes;

/**
 * Preallocated key/value cache for incremental decoding: per layer {@code k, v [B, kvHeads, maxLen,
 * headDim]} (keys after RoPE). A forward writes its new positions at {@code [length(), length()+T)}
 * with an in-place {@code set} and reads {@code [:, :, 0:length()+T]} as views, so a step costs no
 * copy of the past. The arrays live in the manager given at construction (the caller
 * controls their lifetime); the views a forward reads are moved into the activations' manager.
 *
 * <p>Model-agnostic: any {@link CausalLm} whose attention layers call {@link #append} once per layer and
 * whose model calls {@link #advance} once per forward can use it.
 *
 * <p>Not thread-safe. One cache serves one sequence batch; {@link #reset()} reuses it.
 */
public final class KvCache implements AutoCloseable {

    private final NDArray[] keys;
    private final NDArray[] values;
    private final long batch;
    private final int kvHeads;
    private final int maxLength;
    private final int headDim;
    private final DataType dtype;
    private int length;

    /**
     * Allocates zeroed arrays.
     *
     * @param manager owns the cache (its device is the model's)
     * @param layers decoder layers
     * @param batch B
     * @param kvHeads key/value heads
     * @param maxLength capacity in positions (prompt + new tokens)
     * @param headDim per-head width
     * @param dtype activation dtype of the model
     */
    public KvCache(NDManager manager, int layers, long batch, int kvHeads, int maxLength, int headDim, DataType dtype) {
        if (layers <= 0 || batch <= 0 || kvHeads <= 0 || maxLength <= 0 || headDim <= 0) {
            throw new IllegalArgumentException("KvCache: sizes must be positive, got layers " + layers + ", batch "
                    + batch + ", kv heads " + kvHeads + ", max length " + maxLength + ", head dim " + headDim);
        }
        EngineTypes.check(dtype, "KvCache");
        this.batch = batch;
        this.kvHeads = kvHeads;
        this.maxLength = maxLength;
        this.headDim = headDim;
        this.dtype = dtype;
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
        Shape shape = new Shape(batch, kvHeads, maxLength, headDim);
        for (int i = 0; i < layers; i++) {
            keys[i] = manager.zeros(shape, dtype);
            values[i] = manager.zeros(shape, dtype);
        }
    }

    /** Positions filled so far ({@code past} of the next forward). */
    public int length() {
        return length;
    }

    /** Capacity in positions. */
    public int maxLength() {
        return maxLength;
    }

    /** Batch size. */
    public long batchSize() {
        return batch;
    }

    /** Number of layers. */
    public int layers() {
        return keys.length;
    }

    /** Dtype of the cached keys/values. */
    public DataType dataType() {
        return dtype;
    }

    /** Forgets the cached positions (the arrays are reused). */
    public void reset() {
        length = 0;
    }

    /** Checks that a forward of {@code newPositions} fits and matches batch, device and dtype. */
    public void check(long b, long newPositions, NDArray like) {
        if (b != batch) {
            throw new IllegalArgumentException("KvCache: batch " + b + " does not match the cache's " + batch);
        }
        if (length + newPositions > maxLength) {
            throw new IllegalArgumentException("KvCache: " + length + " cached + " + newPositions
                    + " new positions exceed the capacity " + maxLength);
        }
        if (!like.getDevice().equals(keys[0].getDevice())) {
            throw new IllegalArgumentException("KvCache: activations on " + like.getDevice() + ", cache on "
                    + keys[0].getDevice());
        }
        if (like.getDataType() != dtype) {
            throw new IllegalArgumentException("KvCache: activations are " + like.getDataType() + ", cache is " + dtype);
        }
    }

    /**
     * Writes one layer's new keys/values at {@code [length(), length()+T)} and returns views of all
     * cached positions {@code [B, kvHeads, length()+T, headDim]}, attached to the manager of {@code k}.
     */
    public NDArray[] append(int layer, NDArray k, NDArray v) {
        long t = k.getShape().get(2);
        long end = length + t;
        NDIndex slot = new NDIndex(":, :, {}:{}, :", length, end);
        keys[layer].set(slot, k);
        values[layer].set(slot, v);
        NDIndex filled = new NDIndex(":, :, 0:{}, :", end);
        NDArray kAll = keys[layer].get(filled);
        NDArray vAll = values[layer].get(filled);
        // the views were created in the cache's manager; hand them to the activations' scope
        kAll.attach(k.getManager());
        vAll.attach(k.getManager());
        return new NDArray[] {kAll, vAll};
    }

    /** Marks {@code t} more positions as filled (after every layer wrote them). */
    public void advance(long t) {
        length += (int) t;
    }

    /** Raw cached keys of a layer {@code [B, kvHeads, maxLen, headDim]} (positions ≥ length() are stale). */
    public NDArray keys(int layer) {
        return keys[layer];
    }

    /** Raw cached values of a layer {@code [B, kvHeads, maxLen, headDim]}. */
    public NDArray values(int layer) {
        return values[layer];
    }

    /** Closes the cache arrays. */
    @Override
    public void close() {
        for (int i = 0; i < keys.length; i++) {
            keys[i].close();
            values[i].close();
        }
    }

    /** Checks the head layout against a model. */
    public void checkLayout(int layers, int kvHeadsModel, int headDimModel) {
        if (layers != keys.length || kvHeadsModel != kvHeads || headDimModel != headDim) {
            throw new IllegalArgumentException("KvCache: built for " + keys.length + " layers x " + kvHeads
                    + " kv heads x " + headDim + ", the model has " + layers + " x " + kvHeadsModel + " x " + headDimModel);
        }
    }
}
