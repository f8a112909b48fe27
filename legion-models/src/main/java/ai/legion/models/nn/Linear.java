package ai.legion.models.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.legion.core.io.EngineTypes;
import java.util.List;
import java.util.SplittableRandom;

/**
 * {@code torch.nn.Linear} (weight {@code [out, in]}, optional bias): the one linear layer of every
 * block, so that LoRA can target any of them by module name ({@code lora.LoraAdapters}). It can carry
 * one LoRA adapter with PEFT 0.5.0 semantics: {@code y = W x (+ b) + scaling · B(A(dropout(x)))},
 * {@code scaling = alpha / r}, A {@code [r, in]}, B {@code [out, r]}.
 *
 * <p>State-dict names: {@code weight} (created {@link Init#NORMAL}), optional {@code bias}
 * ({@link Init#ZEROS}), and with an adapter {@code lora_A.weight} and {@code lora_B.weight} (PEFT's
 * adapter-file names, without the {@code .default} adapter name).
 *
 * <p>Dtypes: the base product runs in the weight's dtype and the adapter in the adapter's dtype (e.g.
 * frozen fp16 base, fp32 LoRA on a GPU); the input is cast into each as needed, the adapter result is
 * added to the base result in the wider of the two types and the sum is returned in the input's dtype,
 * as PEFT's {@code x.to(lora_A.dtype)} / in-place add / {@code result.to(previous_dtype)} does.
 *
 * <p>Dropout on the adapter input is active only when {@code training} is true. It goes through DJL's
 * {@link Dropout#dropout(NDArray, float, boolean)}, i.e. the engine's random generator: seed it with
 * {@code Engine.getInstance().setRandomSeed(seed)} for reproducible training.
 */
public final class Linear extends UnaryBlock {

    /** Local state-dict name of the adapter's down projection. */
    public static final String LORA_A = "lora_A.weight";
    /** Local state-dict name of the adapter's up projection. */
    public static final String LORA_B = "lora_B.weight";

    private final long inFeatures;
    private final long outFeatures;
    private final Parameter weight;
    private final Parameter bias;

    private Parameter loraA;
    private Parameter loraB;
    private int rank;
    private double alpha;
    private double dropout;
    private boolean merged;

    /**
     * A linear layer {@code [out, in]}.
     *
     * @param inFeatures input width
     * @param outFeatures output width
     * @param withBias whether there is a {@code bias} parameter {@code [out]}
     */
    public Linear(long inFeatures, long outFeatures, boolean withBias) {
        if (inFeatures <= 0 || outFeatures <= 0) {
            throw new IllegalArgumentException("Linear: sizes must be positive, got in " + inFeatures + ", out "
                    + outFeatures);
        }
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.weight = param("weight", Init.NORMAL, outFeatures, inFeatures);
        this.bias = withBias ? param("bias", Init.ZEROS, outFeatures) : null;
    }

    /** Input width. */
    public long inFeatures() {
        return inFeatures;
    }

    /** Output width. */
    public long outFeatures() {
        return outFeatures;
    }

    /** The base weight {@code [out, in]}. */
    public Parameter weightParameter() {
        return weight;
    }

    /** The bias {@code [out]}, or null. */
    public Parameter biasParameter() {
        return bias;
    }

    /**
     * Attaches a float32 adapter; see {@link #attachAdapter(int, double, double, NDManager, long, DataType)}.
     */
    public void attachAdapter(int r, double alpha, double dropout, NDManager manager, long seed) {
        attachAdapter(r, alpha, dropout, manager, seed, DataType.FLOAT32);
    }

    /**
     * Attaches a fresh adapter initialised as PEFT 0.5 does ({@code init_lora_weights=True}): A is
     * {@code kaiming_uniform_(a=√5)} on {@code [r, in]}, whose bound {@code gain·√(3/fan_in)} with
     * {@code gain = √(2/(1+a²)) = √(1/3)} is {@code 1/√in}, so A ~ U(−1/√in, 1/√in); B is zero, so the
     * layer's output is unchanged until B is trained or loaded. The uniform draws come from a
     * {@link SplittableRandom} with {@code seed} (reproducible on any device; not torch's bit stream).
     *
     * @param r rank, positive
     * @param alpha {@code lora_alpha}; scaling = alpha / r
     * @param dropout dropout probability on the adapter input while training, in [0, 1)
     * @param manager owns the adapter arrays (its device is where they live; usually the weight's manager)
     * @param seed seed of A's initialisation
     * @param dtype adapter dtype (float32 keeps trainables exact; float16 also works)
     * @throws IllegalStateException if an adapter is already attached
     */
    public void attachAdapter(int r, double alpha, double dropout, NDManager manager, long seed, DataType dtype) {
        if (loraA != null) {
            throw new IllegalStateException("Linear: an adapter is already attached (r " + rank + ")");
        }
        if (r <= 0) {
            throw new IllegalArgumentException("Linear: rank must be positive, got " + r);
        }
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException("Linear: alpha must be positive and finite, got " + alpha);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("Linear: dropout must be in [0, 1), got " + dropout);
        }
        if (!dtype.isFloating()) {
            throw new IllegalArgumentException("Linear: adapter dtype must be floating, got " + dtype);
        }
        EngineTypes.check(dtype, "Linear: adapter dtype");
        long n = Math.multiplyExact((long) r, inFeatures);
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("Linear: adapter A [" + r + ", " + inFeatures + "] is too large");
        }
        double bound = 1.0 / Math.sqrt(inFeatures);
        float[] init = new float[(int) n];
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < init.length; i++) {
            init[i] = (float) (random.nextDouble() * 2 * bound - bound);
        }
        NDArray a = Ops.tensor(manager, init, new Shape(r, inFeatures));
        if (dtype != DataType.FLOAT32) {
            NDArray cast = a.toType(dtype, false);
            a.close();
            a = cast;
        }
        NDArray b = manager.zeros(new Shape(outFeatures, r), dtype);
        Parameter pa = Parameter.builder().setName(LORA_A).setType(Parameter.Type.WEIGHT).build();
        Parameter pb = Parameter.builder().setName(LORA_B).setType(Parameter.Type.WEIGHT).build();
        pa.setArray(a);
        pb.setArray(b);
        addParameter(pa);
        addParameter(pb);
        this.loraA = pa;
        this.loraB = pb;
        this.rank = r;
        this.alpha = alpha;
        this.dropout = dropout;
        this.merged = false;
    }

    /** Whether an adapter is attached. */
    public boolean hasAdapter() {
        return loraA != null;
    }

    /** The adapter rank (0 without adapter). */
    public int rank() {
        return rank;
    }

    /** {@code lora_alpha} (0 without adapter). */
    public double alpha() {
        return alpha;
    }

    /** {@code alpha / r} (0 without adapter). */
    public double scaling() {
        return loraA == null ? 0 : alpha / rank;
    }

    /** The training-time dropout probability of the adapter input. */
    public double dropout() {
        return dropout;
    }

    /** Whether the adapter update is currently folded into {@code weight}. */
    public boolean isMerged() {
        return merged;
    }

    /** {@code [lora_A, lora_B]} parameters, empty without adapter (the trainables of LoRA fine-tuning). */
    public List<Parameter> adapterParameters() {
        return loraA == null ? List.of() : List.of(loraA, loraB);
    }

    /**
     * Overwrites the adapter's values (e.g. from a PEFT file), cast to the adapter's dtype.
     *
     * @param a {@code [r, in]}
     * @param b {@code [out, r]}
     * @throws IllegalStateException without adapter or while merged (the merged weight would go stale)
     * @throws IllegalArgumentException on a shape mismatch
     */
    public void setAdapterWeights(NDArray a, NDArray b) {
        requireAdapter("setAdapterWeights");
        if (merged) {
            throw new IllegalStateException("Linear: unmerge before replacing the adapter weights");
        }
        Shape sa = new Shape(rank, inFeatures);
        Shape sb = new Shape(outFeatures, rank);
        if (!a.getShape().equals(sa) || !b.getShape().equals(sb)) {
            throw new IllegalArgumentException("Linear: expected lora_A " + sa + " and lora_B " + sb + ", got "
                    + a.getShape() + " and " + b.getShape());
        }
        copyInto(loraA.getArray(), a);
        copyInto(loraB.getArray(), b);
    }

    private static void copyInto(NDArray target, NDArray source) {
        NDArray src = source.toDevice(target.getDevice(), false);
        NDArray cast = src.toType(target.getDataType(), false);
        target.set(new NDIndex(":"), cast);
        if (cast != source) {
            cast.close();
        }
        if (src != source && src != cast) {
            src.close();
        }
    }

    /**
     * Folds the update into the base weight in place: {@code W += scaling · (B @ A)} (PEFT
     * {@code merge}); forward then skips the adapter. No-op when already merged. When W and the
     * adapter have different dtypes the sum is formed in the wider one and rounded once to W's dtype.
     */
    public void merge() {
        requireAdapter("merge");
        if (!merged) {
            applyDelta(1);
            merged = true;
        }
    }

    /** Undoes {@link #merge()}: {@code W -= scaling · (B @ A)}. No-op when not merged. */
    public void unmerge() {
        requireAdapter("unmerge");
        if (merged) {
            applyDelta(-1);
            merged = false;
        }
    }

    /**
     * Removes the adapter (PEFT {@code unload}); if it is merged, the merged weight stays
     * ({@code merge_and_unload}). The adapter arrays are closed.
     */
    public void removeAdapter() {
        requireAdapter("removeAdapter");
        parameters.remove(LORA_A);
        parameters.remove(LORA_B);
        loraA.getArray().close();
        loraB.getArray().close();
        loraA = null;
        loraB = null;
        rank = 0;
        alpha = 0;
        dropout = 0;
        merged = false;
    }

    private void applyDelta(int sign) {
        if (!weight.isInitialized()) {
            throw new IllegalStateException("Linear: the weight has no array to merge into: memory-budgeted "
                    + "execution streams it from the checkpoint per use; run the adapter unmerged (it is read from "
                    + "memory next to the streamed weight) or load with every weight resident");
        }
        NDArray w = weight.getArray();
        NDArray a = loraA.getArray();
        NDArray b = loraB.getArray();
        NDArray ba = b.matMul(a);
        NDArray delta = ba.mul((float) (sign * scaling()));
        ba.close();
        if (delta.getDataType() == w.getDataType()) {
            w.addi(delta);
        } else {
            // form the sum in the wider type and round once, as torch's in-place add does
            DataType wide = wider(w.getDataType(), delta.getDataType());
            NDArray ww = w.toType(wide, true);
            NDArray dw = delta.toType(wide, false);
            ww.addi(dw);
            NDArray back = ww.toType(w.getDataType(), true);
            w.set(new NDIndex(":"), back);
            back.close();
            ww.close();
            if (dw != delta) {
                dw.close();
            }
        }
        delta.close();
    }

    private void requireAdapter(String what) {
        if (loraA == null) {
            throw new IllegalStateException("Linear: " + what + " needs an attached adapter");
        }
    }

    @Override
    public void mapWeights(String prefix, WeightMap map) {
        super.mapWeights(prefix, map);
        if (loraA != null) {
            // created from scratch an adapter starts as a base layer would, with B = 0 changing nothing
            map.add(prefix + LORA_A, loraA, new Shape(rank, inFeatures), Init.NORMAL);
            map.add(prefix + LORA_B, loraB, new Shape(outFeatures, rank), Init.ZEROS);
        }
    }

    /**
     * The layer.
     *
     * @param ps parameter store
     * @param x input {@code [..., in]}
     * @param training enables the adapter dropout
     * @return {@code [..., out]} in the dtype of {@code x}
     */
    @Override
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        Checks.lastAxis("Linear", x, inFeatures);
        NDArray w = value(ps, weight, x, training);
        NDArray b = bias == null ? null : value(ps, bias, x, training);
        DataType in = x.getDataType();
        NDArray xb = Ops.cast(x, w.getDataType());
        NDArray y = Ops.linear(xb, w, b);
        if (loraA != null && !merged) {
            NDArray a = value(ps, loraA, x, training);
            NDArray bb = value(ps, loraB, x, training);
            DataType at = a.getDataType();
            NDArray xa = Ops.cast(x, at);
            if (training && dropout > 0) {
                xa = Dropout.dropout(xa, (float) dropout, true).singletonOrThrow();
            }
            NDArray delta = Ops.mul(Ops.linear(Ops.linear(xa, a, null), bb, null), scaling());
            DataType yt = y.getDataType();
            if (delta.getDataType() == yt) {
                y = y.add(delta);
            } else {
                DataType wide = wider(yt, delta.getDataType());
                y = Ops.cast(Ops.cast(y, wide).add(Ops.cast(delta, wide)), yt);
            }
        }
        return Ops.cast(y, in);
    }

    private static DataType wider(DataType a, DataType b) {
        return a.getNumOfBytes() >= b.getNumOfBytes() ? a : b;
    }

    @Override
    protected Shape outputShape(Shape input) {
        return withLastAxis(input, outFeatures);
    }

    @Override
    public String toString() {
        return "Linear(in " + inFeatures + ", out " + outFeatures + (bias != null ? ", bias" : "")
                + (loraA != null ? ", lora r " + rank + " alpha " + alpha + (merged ? " merged" : "") : "") + ")";
    }
}
