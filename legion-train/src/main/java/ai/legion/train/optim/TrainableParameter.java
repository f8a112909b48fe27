package ai.legion.train.optim;

import ai.djl.nn.Parameter;

/**
 * A parameter the optimizer updates.
 *
 * @param key its checkpoint key (upstream name)
 * @param parameter the DJL parameter (its array must be float32 and require gradients)
 * @param decay whether weight decay applies (upstream: only tensors of rank >= 2)
 */
public record TrainableParameter(String key, Parameter parameter, boolean decay) {}
