/**
 * Memory-budgeted execution: a {@link ai.legion.models.memory.MemoryPlan} decides from the checkpoint and the
 * configs which layers stay resident within a budget, and {@link ai.legion.models.memory.StreamedWeights} reads
 * the others per use from the checkpoint (or copies them from host memory to a GPU), one layer ahead.
 */
package ai.legion.models.memory;
