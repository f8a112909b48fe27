package ai.legion.models.decoder;

import ai.djl.ndarray.NDArray;

/**
 * The two outputs of a two-way attention layer or transformer.
 *
 * @param queries the sparse tokens {@code [B, N, E]} (upstream {@code hs} / {@code queries})
 * @param keys the image tokens {@code [B, h·w, E]} (upstream {@code src} / {@code keys})
 */
public record QueriesKeys(NDArray queries, NDArray keys) {}
