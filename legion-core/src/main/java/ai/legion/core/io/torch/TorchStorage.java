package ai.legion.core.io.torch;

import ai.legion.core.io.DType;

/**
 * One storage of a torch zip checkpoint: the entry {@code <archive>/data/<key>} holding
 * {@code numel} elements of {@code dtype}.
 *
 * @param key the storage key (zip entry name below {@code data/})
 * @param dtype element type; {@code null} for an untyped (byte) storage whose tensors name their dtype
 * @param numel number of elements (bytes when untyped)
 * @param fileOffset absolute offset of the first byte in the checkpoint file
 */
record TorchStorage(String key, DType dtype, long numel, long fileOffset) {}
