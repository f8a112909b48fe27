package ai.legion.models.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Base of the model blocks: parameters and children are declared under their upstream state-dict
 * names, so {@link #mapWeights} is derived from the declarations and cannot drift from them.
 *
 * <p>Parameters are created without a DJL shape (DJL refuses {@code setArray} once a shape is set);
 * the expected shape lives in the {@link WeightMap} and is checked when weights are loaded. Weights
 * are fetched in forward passes with {@link #value}, i.e. through the {@link ParameterStore}.
 */
public abstract class LegionBlock extends AbstractBlock implements StateDictBlock {

    /** Marks inlined children in {@link #kids}; a state-dict name never contains it. */
    private static final String INLINE = "\u0000";

    private final Map<String, Parameter> params = new LinkedHashMap<>();
    private final Map<String, Shape> shapes = new LinkedHashMap<>();
    private final Map<String, Block> kids = new LinkedHashMap<>();

    protected LegionBlock() {
        super((byte) 1);
    }

    /**
     * Declares a parameter.
     *
     * @param name the upstream local name, e.g. {@code "q_proj.weight"} or {@code "pos_embed"}
     * @param shape the shape the config implies
     */
    protected final Parameter param(String name, long... shape) {
        Parameter p = addParameter(Parameter.builder().setName(name).setType(Parameter.Type.OTHER).build());
        params.put(name, p);
        shapes.put(name, new Shape(shape));
        return p;
    }

    /** Declares a child block under its upstream local name (e.g. {@code "self_attn"} or {@code "layers.3"}). */
    protected final <B extends Block> B child(String name, B block) {
        addChildBlock(name, block);
        kids.put(name, block);
        return block;
    }

    /**
     * Declares a child whose keys sit directly under this block's prefix (a composition that upstream
     * flattens, e.g. SAM's {@code prompt_encoder}/{@code mask_decoder} next to {@code image_encoder}).
     *
     * @param name the child's DJL name (not part of any state-dict key)
     */
    protected final <B extends Block & StateDictBlock> B inline(String name, B block) {
        addChildBlock(name, block);
        kids.put(INLINE + name, block);
        return block;
    }

    @Override
    public void mapWeights(String prefix, WeightMap map) {
        params.forEach((name, p) -> map.add(prefix + name, p, shapes.get(name)));
        kids.forEach((name, b) -> {
            if (b instanceof StateDictBlock s) {
                s.mapWeights(name.startsWith(INLINE) ? prefix : prefix + name + ".", map);
            }
        });
    }

    /** The parameter's array on the device of {@code like}, via the parameter store. */
    protected static NDArray value(ParameterStore ps, Parameter p, NDArray like, boolean training) {
        return ps.getValue(p, like.getDevice(), training);
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        for (Block b : kids.values()) {
            b.initialize(manager, dataType, inputShapes);
        }
    }
}
