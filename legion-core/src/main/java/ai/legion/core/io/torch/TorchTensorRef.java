package ai.legion.core.io.torch;

import ai.legion.core.io.DType;

/**
 * A tensor as {@code torch._utils._rebuild_tensor_v2} describes it: a strided view of a storage.
 *
 * @param storage the storage it views
 * @param dtype the element type (the storage's, or the rebuild call's for untyped storages)
 * @param offset element offset of the first element in the storage
 * @param size the shape
 * @param stride element strides, one per dimension
 */
record TorchTensorRef(TorchStorage storage, DType dtype, long offset, long[] size, long[] stride) {

    /** Whether the elements lie contiguously in row-major order (dims of size 1 may have any stride). */
    boolean isContiguous() {
        long expected = 1;
        for (int i = size.length - 1; i >= 0; i--) {
            if (size[i] != 1 && stride[i] != expected) {
                return false;
            }
            expected *= size[i];
        }
        return true;
    }
}
