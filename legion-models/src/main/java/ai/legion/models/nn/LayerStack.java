package ai.legion.models.nn;

import ai.djl.nn.Block;
import java.util.List;

/**
 * A block that runs a stack of layers one after another (LLaMA's decoder layers, SAM's ViT blocks, CLIP's encoder
 * layers), each under a {@link LayerWeights} lease: the unit in which memory-budgeted execution keeps weights
 * resident or streams them.
 */
public interface LayerStack {

    /** The layers, in the order they run. */
    List<? extends Block> stackedLayers();

    /** Where the layers' weights come from ({@link LayerWeights#RESIDENT} until set). */
    void layerWeights(LayerWeights weights);
}
