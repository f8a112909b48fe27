package ai.legion.models.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Base of the model blocks: parameters and children are declared under their upstream state-dict
 * names, so {@link #mapWeights} is derived from the declarations and cannot drift from them.
 *
 * <p>Parameters are created without a DJL shape (DJL refuses {@code setArray} once a shape is set);
 * the expected shape lives in the {@link WeightMap} and is checked when weights are loaded. Each
 * parameter also declares its {@link Init}, which {@link WeightMap#initialize} uses for models created
 * from scratch. Weights are fetched in forward passes with {@link #value}, i.e. through the
 * {@link ParameterStore}.
 *
 * <p>The weight map lists parameters and children in the order they are declared. Creation draws
 * the random arrays in that order, so a block that reorders its declarations changes the weights a
 * seed gives.
 */
public abstract class LegionBlock extends AbstractBlock implements StateDictBlock {

    /** A declared parameter or child, in declaration order. */
    private record Declared(String name, Parameter parameter, Shape shape, Init init, Block child, boolean inline) {}

    private final List<Declared> declared = new ArrayList<>();
    private final Set<String> names = new HashSet<>();

    protected LegionBlock() {
        super((byte) 1);
    }

    /**
     * Declares a parameter.
     *
     * @param name the upstream local name, e.g. {@code "pos_embed"} or {@code "0.weight"}
     * @param init how {@link WeightMap#initialize} fills it
     * @param shape the shape the config implies
     */
    protected final Parameter param(String name, Init init, long... shape) {
        Objects.requireNonNull(init, "init");
        claim(name);
        Parameter p = addParameter(Parameter.builder().setName(name).setType(Parameter.Type.OTHER).build());
        declared.add(new Declared(name, p, new Shape(shape), init, null, false));
        return p;
    }

    /** Declares a child block under its upstream local name (e.g. {@code "self_attn"} or {@code "layers.3"}). */
    protected final <B extends Block> B child(String name, B block) {
        claim(name);
        addChildBlock(name, block);
        declared.add(new Declared(name, null, null, null, block, false));
        return block;
    }

    /**
     * Declares a child whose keys sit directly under this block's prefix (a composition that upstream
     * flattens, e.g. SAM's {@code prompt_encoder}/{@code mask_decoder} next to {@code image_encoder}).
     *
     * @param name the child's DJL name (not part of any state-dict key)
     */
    protected final <B extends Block & StateDictBlock> B inline(String name, B block) {
        claim(name);
        addChildBlock(name, block);
        declared.add(new Declared(name, null, null, null, block, true));
        return block;
    }

    private void claim(String name) {
        if (name == null || name.isEmpty() || !names.add(name)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": "
                    + (name == null || name.isEmpty() ? "empty name" : "\"" + name + "\" declared twice"));
        }
    }

    @Override
    public void mapWeights(String prefix, WeightMap map) {
        for (Declared d : declared) {
            if (d.parameter != null) {
                map.add(prefix + d.name, d.parameter, d.shape, d.init);
            } else if (d.child instanceof StateDictBlock s) {
                s.mapWeights(d.inline ? prefix : prefix + d.name + ".", map);
            }
        }
    }

    /** The parameter's array on the device of {@code like}, via the parameter store. */
    protected static NDArray value(ParameterStore ps, Parameter p, NDArray like, boolean training) {
        return ps.getValue(p, like.getDevice(), training);
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        for (Declared d : declared) {
            if (d.child != null) {
                d.child.initialize(manager, dataType, inputShapes);
            }
        }
    }
}
