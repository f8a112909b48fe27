package ai.legion.models.memory;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.legion.core.io.Buffers;
import ai.legion.core.io.Checkpoint;
import ai.legion.core.io.CheckpointException;
import ai.legion.core.io.Checkpoints;
import ai.legion.core.io.DType;
import ai.legion.core.io.IoUtils;
import ai.legion.core.io.NDArrayLoader;
import ai.legion.core.io.TensorInfo;
import ai.legion.models.LegionModel;
import ai.legion.models.memory.MemoryPlan.Stage;
import ai.legion.models.memory.MemoryPlan.Tensor;
import ai.legion.models.memory.MemoryPlan.Unit;
import ai.legion.models.nn.LayerStack;
import ai.legion.models.nn.LayerWeights;
import ai.legion.models.nn.WeightMap;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a model's streamed layers ({@link MemoryPlan}): their parameters hold no arrays; before such a layer runs,
 * its tensors are read from the checkpoint with positional reads, float32 ones straight into engine memory and bf16
 * ones through one reusable buffer, widened into engine memory ({@code bits << 16}, as {@link NDArrayLoader} does);
 * the layer runs with them through its own {@link ParameterStore}, and when it ends its arrays are handed to the
 * next layer of the same shapes. Nothing stays memory-mapped, so the process's resident size is the engine's arrays
 * and not the file's pages. On a GPU the streamed layers wait in host memory instead and are copied to the device
 * per use (not verified on a GPU: this machine has none).
 *
 * <p>While a layer computes, one background thread reads the next streamed layer (within a stack in order; after
 * CLIP's last streamed layer the LLM's first; after the LLM's last, its first again, as the next token runs them
 * again), so at most two streamed layers are held at a time. The reader is only ever stopped by a flag between
 * tensors, never interrupted: an interrupt would close the checkpoint's file channel for every later read.
 *
 * <p>Reading fails with a {@link WeightStreamingException} naming the layer, file and tensor (a checkpoint
 * truncated or damaged after loading; a NaN the first time a layer is read); the layer's partial arrays are freed
 * and it is read again next time, so the model stays usable. {@link #close()} stops the reader, frees every
 * streamed array and closes the files.
 *
 * <p>Calls from several threads at once are correct (a layer in use is shared) but only one call at a time stays
 * within the budget: the analyzer serializes its calls while it streams.
 */
public final class StreamedWeights implements LayerWeights, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StreamedWeights.class);
    private static final AtomicInteger READERS = new AtomicInteger();

    /**
     * What the streaming has done so far.
     *
     * @param layersRead streamed layers read (or copied to the device)
     * @param bytesRead their bytes as stored
     * @param readMillis time the reader spent on them
     * @param waitMillis time layers waited for their weights (what the read-ahead did not hide)
     * @param readAhead streamed layers that were already read or being read when they were needed
     * @param misses streamed layers whose read started only when they were needed
     */
    public record Stats(long layersRead, long bytesRead, double readMillis, double waitMillis, long readAhead,
            long misses) {}

    private final MemoryPlan plan;
    private final ArrayPool pool;
    private final Map<Block, Unit> byLayer = new IdentityHashMap<>();
    private final int[] next;
    private final List<Checkpoint> checkpoints;
    private final List<Checkpoint> views;
    private final ByteBuffer buffer;
    private final NDManager host;
    private final Map<Parameter, NDArray> staged;
    private final boolean verify;
    private final BitSet verified = new BitSet(); // reader thread only
    private final ExecutorService reader;
    private final Map<Integer, Slot> slots = new HashMap<>(); // guarded by this
    private boolean closed; // guarded by this

    private final AtomicLong layersRead = new AtomicLong();
    private final AtomicLong bytesRead = new AtomicLong();
    private final AtomicLong readNanos = new AtomicLong();
    private final AtomicLong waitNanos = new AtomicLong();
    private final AtomicLong readAhead = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();

    /** One streamed layer being read, read, or in use. */
    private final class Slot {
        final Unit unit;
        final CompletableFuture<Map<Parameter, NDArray>> future = new CompletableFuture<>();
        int users; // guarded by the StreamedWeights
        volatile boolean dropped;
        Map<Parameter, NDArray> loaded; // guarded by this slot

        Slot(Unit unit) {
            this.unit = unit;
        }

        /** Gives the arrays back now, or makes the reader give them back when it finishes. */
        void drop() {
            synchronized (this) {
                dropped = true;
                if (loaded != null) {
                    loaded.values().forEach(pool::give);
                    loaded = null;
                }
            }
            future.cancel(false);
        }
    }

    /**
     * The streamed layers' arrays. A layer's arrays, once it is done, are overwritten by the next layer of the same
     * shapes instead of being freed and allocated again: reading a layer then touches no fresh memory (first-touch
     * page faults cost about as much as the widening) and the allocator cannot fragment. Arrays in use and idle
     * together stay within two of the largest streamed layer, what the plan reserves; {@link #clear} frees the idle
     * ones.
     */
    private final class ArrayPool {
        final NDManager manager;
        private final long limit;
        private final Map<String, ArrayDeque<NDArray>> idle = new HashMap<>();
        private long idleBytes;
        private long liveBytes;

        ArrayPool(NDManager manager, long limit) {
            this.manager = manager;
            this.limit = limit;
        }

        /** An array to overwrite: an idle one of this shape, else a new uninitialized one. */
        synchronized NDArray take(Shape shape, DataType type) {
            long n = shape.size() * type.getNumOfBytes();
            ArrayDeque<NDArray> d = idle.get(key(shape, type));
            liveBytes += n;
            if (d != null && !d.isEmpty()) {
                idleBytes -= n;
                return d.pop();
            }
            for (Iterator<ArrayDeque<NDArray>> it = idle.values().iterator(); it.hasNext()
                    && liveBytes + idleBytes > limit; ) {
                ArrayDeque<NDArray> other = it.next();
                while (!other.isEmpty() && liveBytes + idleBytes > limit) {
                    NDArray a = other.pop();
                    idleBytes -= a.size() * a.getDataType().getNumOfBytes();
                    a.close();
                }
            }
            return manager.create(shape, type);
        }

        /** Counts an array the loader made (the fallback path) as in use. */
        synchronized NDArray adopt(NDArray a) {
            a.attach(manager);
            liveBytes += a.size() * a.getDataType().getNumOfBytes();
            return a;
        }

        /** A layer is done with an array (or the NaN check closed it). */
        synchronized void give(NDArray a) {
            long n = a.size() * a.getDataType().getNumOfBytes();
            liveBytes -= n;
            if (a.isReleased()) {
                return;
            }
            if (plan.hostStaging()) {
                a.close(); // device copies of host arrays are made fresh each time
                return;
            }
            idle.computeIfAbsent(key(a.getShape(), a.getDataType()), k -> new ArrayDeque<>()).push(a);
            idleBytes += n;
        }

        /** Frees the idle arrays. */
        synchronized void clear() {
            idle.values().forEach(d -> d.forEach(NDArray::close));
            idle.clear();
            idleBytes = 0;
        }

        private String key(Shape shape, DataType type) {
            return type + shape.toString();
        }
    }

    private StreamedWeights(LegionModel model, MemoryPlan plan, List<Checkpoint> checkpoints, NDManager host,
            Map<Parameter, NDArray> staged, boolean verify) {
        this.plan = plan;
        this.checkpoints = checkpoints;
        this.host = host;
        this.staged = staged;
        this.verify = verify;
        long largest = 0;
        for (Unit u : plan.units()) {
            byLayer.put(u.layer(), u);
            if (u.streamed() && !plan.hostStaging()) {
                largest = Math.max(largest, u.tensors().stream().mapToLong(Tensor::storedBytes).max().orElse(0));
            }
        }
        long largestUnit = plan.units().stream().filter(Unit::streamed).mapToLong(Unit::bytes).max().orElse(0);
        this.pool = new ArrayPool(model.manager().newSubManager(), 2 * largestUnit);
        this.buffer = largest == 0 ? null
                : ByteBuffer.allocateDirect(Math.toIntExact(largest)).order(ByteOrder.LITTLE_ENDIAN);
        List<Checkpoint> v = new ArrayList<>();
        for (Checkpoint c : checkpoints) {
            v.add(new BufferedReads(c, buffer));
        }
        this.views = v;
        this.next = new int[plan.units().size()];
        for (int i = 0; i < next.length; i++) {
            next[i] = nextStreamed(plan.units(), i);
        }
        this.reader = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "legion-weights-reader-" + READERS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Starts streaming for a model loaded with {@code plan.deferred()} left out, and makes its stacks run through
     * it. On a GPU the streamed layers are first copied into host memory.
     *
     * @param allowNonFinite whether NaN or infinite weights are accepted (otherwise each streamed layer is checked
     *     the first time it is read)
     * @throws CheckpointException if a checkpoint cannot be opened again (or, on a GPU, a layer cannot be read)
     */
    public static StreamedWeights start(LegionModel model, MemoryPlan plan, boolean allowNonFinite)
            throws CheckpointException {
        List<Checkpoint> opened = new ArrayList<>();
        NDManager host = null;
        try {
            for (Path p : plan.sources()) {
                opened.add(Checkpoints.open(p));
            }
            Map<Parameter, NDArray> staged = new IdentityHashMap<>();
            if (plan.hostStaging()) {
                host = NDManager.newBaseManager(Device.cpu());
                for (Unit u : plan.units()) {
                    for (Tensor t : u.streamed() ? u.tensors() : List.<Tensor>of()) {
                        NDArray a = NDArrayLoader.load(opened.get(t.source()), t.key(), host, plan.policy());
                        if (!allowNonFinite) {
                            WeightMap.requireFinite(opened.get(t.source()), t.key(), a);
                        }
                        staged.put(t.parameter(), a);
                    }
                }
            }
            StreamedWeights w = new StreamedWeights(model, plan, opened, host, staged, !allowNonFinite);
            Set<LayerStack> stacks = Collections.newSetFromMap(new IdentityHashMap<>());
            plan.units().forEach(u -> stacks.add(u.stack()));
            stacks.forEach(s -> s.layerWeights(w));
            NativeHeap.returnLargeFreedBlocks();
            LOG.info("{}", plan.describe());
            return w;
        } catch (CheckpointException | RuntimeException e) {
            opened.forEach(IoUtils::closeQuietly);
            if (host != null) {
                host.close();
            }
            throw e;
        }
    }

    /**
     * The unit to read ahead after unit {@code i} runs: the next streamed one in run order, except that the LLM,
     * which runs its layers again for every token, wraps to its first streamed layer; -1 after SAM's last.
     */
    private static int nextStreamed(List<Unit> units, int i) {
        if (units.get(i).stage() == Stage.LLM) {
            int first = i;
            while (first > 0 && units.get(first - 1).stage() == Stage.LLM) {
                first--;
            }
            int last = i;
            while (last + 1 < units.size() && units.get(last + 1).stage() == Stage.LLM) {
                last++;
            }
            int n = last - first + 1;
            for (int k = 1; k <= n; k++) {
                int j = first + (i - first + k) % n;
                if (units.get(j).streamed() && units.get(j).runs()) {
                    return j;
                }
            }
        }
        for (int j = i + 1; j < units.size(); j++) {
            if (units.get(j).streamed() && units.get(j).runs()) {
                return j;
            }
        }
        return -1;
    }

    @Override
    public Lease acquire(Block layer, ParameterStore ps) {
        Unit u = byLayer.get(layer);
        if (u == null) {
            return () -> ps;
        }
        Slot slot = null;
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("the streamed weights are closed (the analyzer or model was closed): "
                        + "cannot run " + u.name());
            }
            int ahead = next[u.index()];
            if (u.streamed()) {
                slot = slots.get(u.index());
                if (slot == null) {
                    misses.incrementAndGet();
                    dropIdle(u.index(), ahead);
                    slot = submit(u);
                } else {
                    readAhead.incrementAndGet();
                }
                slot.users++;
            }
            if (ahead >= 0 && !slots.containsKey(ahead)) {
                dropIdle(u.index(), ahead);
                submit(plan.units().get(ahead));
            }
        }
        if (slot == null) {
            return () -> ps;
        }
        Map<Parameter, NDArray> loaded;
        try {
            loaded = await(slot);
        } catch (RuntimeException e) {
            release(slot, true);
            throw e;
        }
        return new StreamLease(new UnitStore(ps, loaded, u), slot);
    }

    private Slot submit(Unit u) {
        Slot s = new Slot(u);
        slots.put(u.index(), s);
        reader.execute(() -> read(s));
        return s;
    }

    /** Frees idle layers other than the two named (the one about to run and the one to read ahead). */
    private void dropIdle(int keep, int keepToo) {
        for (Iterator<Map.Entry<Integer, Slot>> it = slots.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Integer, Slot> e = it.next();
            if (e.getValue().users == 0 && e.getKey() != keep && e.getKey() != keepToo) {
                it.remove();
                e.getValue().drop();
            }
        }
    }

    private Map<Parameter, NDArray> await(Slot slot) {
        long t0 = System.nanoTime();
        try {
            return slot.future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WeightStreamingException("interrupted while waiting for the weights of " + describe(slot.unit),
                    e);
        } catch (CancellationException e) {
            throw new IllegalStateException("the streamed weights were closed while " + describe(slot.unit)
                    + " waited for its weights", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw new WeightStreamingException("cannot stream the weights of " + describe(slot.unit) + ": "
                    + cause.getMessage(), cause);
        } finally {
            waitNanos.addAndGet(System.nanoTime() - t0);
        }
    }

    private static String describe(Unit u) {
        return "the " + u.stage() + " layer " + u.name();
    }

    /** A layer is done (or failed): its arrays go unless it is the layer that runs next (a stack of one). */
    private void release(Slot slot, boolean failed) {
        synchronized (this) {
            slot.users--;
            int idx = slot.unit.index();
            if (slot.users == 0 && (failed || closed || next[idx] != idx)) {
                if (slots.get(idx) == slot) {
                    slots.remove(idx);
                }
                slot.drop();
            }
        }
    }

    /** Reader thread: one layer's tensors into the pool's arrays. */
    private void read(Slot slot) {
        if (slot.dropped) {
            return;
        }
        long t0 = System.nanoTime();
        Map<Parameter, NDArray> arrays = new IdentityHashMap<>();
        try {
            long bytes = 0;
            for (Tensor t : slot.unit.tensors()) {
                if (slot.dropped) {
                    throw new CancellationException();
                }
                arrays.put(t.parameter(), load(t));
                bytes += t.storedBytes();
            }
            if (verify && !plan.hostStaging() && !verified.get(slot.unit.index())) {
                for (Tensor t : slot.unit.tensors()) {
                    WeightMap.requireFinite(checkpoints.get(t.source()), t.key(), arrays.get(t.parameter()));
                }
                verified.set(slot.unit.index());
            }
            synchronized (slot) {
                if (slot.dropped) {
                    throw new CancellationException();
                }
                slot.loaded = arrays;
            }
            layersRead.incrementAndGet();
            bytesRead.addAndGet(bytes);
            readNanos.addAndGet(System.nanoTime() - t0);
            slot.future.complete(arrays);
        } catch (CancellationException e) {
            arrays.values().forEach(pool::give);
            slot.future.cancel(false);
        } catch (Exception | Error e) {
            arrays.values().forEach(pool::give);
            slot.future.completeExceptionally(e);
            if (e instanceof VirtualMachineError err) {
                throw err;
            }
        }
    }

    /**
     * One tensor into engine memory. A tensor stored as the engine holds it is read straight into an array's memory
     * (one copy); a bf16 one is read into the buffer and widened into it ({@code bits << 16}, as the loader does);
     * anything else goes through {@link NDArrayLoader}.
     */
    private NDArray load(Tensor t) throws CheckpointException {
        if (plan.hostStaging()) {
            return pool.adopt(staged.get(t.parameter()).toDevice(pool.manager.getDevice(), true));
        }
        Checkpoint c = checkpoints.get(t.source());
        TensorInfo info = c.info(t.key());
        DataType type = NDArrayLoader.targetType(info.dtype(), plan.policy());
        // only the floating types the engine holds as stored (float32, float16) take the direct path
        boolean copy = info.dtype().isFloating() && info.dtype().nativeDataType() == type;
        boolean widen = info.dtype() == DType.BF16 && type == DataType.FLOAT32;
        if ((copy || widen) && info.numel() > 0 && !pool.manager.getDevice().isGpu()) {
            NDArray a = pool.take(new Shape(info.shape()), type);
            ByteBuffer view = a.toByteBuffer(true);
            if (view.isDirect() && view.capacity() == info.numel() * type.getNumOfBytes()) {
                try {
                    if (copy) {
                        c.readInto(t.key(), view);
                    } else {
                        buffer.clear();
                        c.readInto(t.key(), buffer);
                        Buffers.widenBf16(buffer.flip(), view);
                    }
                } catch (CheckpointException | RuntimeException e) {
                    pool.give(a);
                    throw e;
                }
                return a;
            }
            pool.give(a); // the engine handed out a copy, not its memory
        }
        return pool.adopt(NDArrayLoader.load(views.get(t.source()), t.key(), pool.manager, plan.policy()));
    }

    /**
     * The rate of the streaming path alone: up to {@code maxLayers} streamed layers of {@code stage} read one after
     * the other by the reader with nothing computing next to it, each given back as soon as it is read, after one
     * untimed layer that makes the arrays they are read into (as a run's first layer does). A streamed decode step
     * waits for its streamed bytes at about this rate (what the page cache holds moves it by some 20%). For
     * benchmarks, between calls (the reads count in {@link #stats()}).
     *
     * @return stored bytes per second, or 0 if the stage streams fewer than two layers
     */
    public synchronized double measureReadRate(Stage stage, int maxLayers) {
        if (closed) {
            throw new IllegalStateException("the streamed weights are closed");
        }
        dropIdle(-1, -1);
        long bytes = 0;
        long t0 = 0;
        int n = -1; // the first layer is the untimed one
        for (Unit u : plan.units()) {
            if (n == maxLayers) {
                break;
            }
            if (u.stage() != stage || !u.streamed() || !u.runs()) {
                continue;
            }
            Slot s = new Slot(u);
            reader.execute(() -> read(s));
            await(s);
            s.drop();
            if (n++ == -1) {
                t0 = System.nanoTime();
            } else {
                bytes += u.tensors().stream().mapToLong(Tensor::storedBytes).sum();
            }
        }
        pool.clear();
        return n <= 0 ? 0 : bytes / ((System.nanoTime() - t0) / 1e9);
    }

    /** Frees read-ahead layers nobody uses and the idle arrays (the analyzer calls this when a call ends). */
    public synchronized void idle() {
        dropIdle(-1, -1);
        pool.clear();
    }

    /** The plan being run. */
    public MemoryPlan plan() {
        return plan;
    }

    /** What the streaming has done so far. */
    public Stats stats() {
        return new Stats(layersRead.get(), bytesRead.get(), readNanos.get() / 1e6, waitNanos.get() / 1e6,
                readAhead.get(), misses.get());
    }

    /**
     * Stops the reader (after the tensor it is reading), frees every streamed array and closes the files. The
     * stacks keep pointing here, so a model run after this fails with a clear message instead of reading
     * parameters that have no arrays.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            for (Slot s : slots.values()) {
                s.drop();
            }
            slots.clear();
        }
        reader.shutdown();
        boolean stopped = false;
        try {
            stopped = reader.awaitTermination(2, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (stopped) {
            pool.clear();
            pool.manager.close();
            Buffers.release(buffer);
        } else {
            LOG.warn("the weight reader did not stop within 2 minutes; its buffer is left to the garbage collector");
        }
        checkpoints.forEach(IoUtils::closeQuietly);
        if (host != null) {
            host.close();
        }
    }

    /** A layer's lease: the layer's own store; closing it releases the layer once. */
    private final class StreamLease implements Lease {
        private final ParameterStore store;
        private final Slot slot;
        private boolean released;

        StreamLease(ParameterStore store, Slot slot) {
            this.store = store;
            this.slot = slot;
        }

        @Override
        public ParameterStore store() {
            return store;
        }

        @Override
        public void close() {
            if (!released) {
                released = true;
                release(slot, false);
            }
        }
    }

    /**
     * The store a streamed layer runs with: its weights from the streamed arrays, anything else (an unmerged LoRA
     * adapter attached after loading, a shared weight) from the caller's store.
     */
    private static final class UnitStore extends ParameterStore {
        private final ParameterStore outer;
        private final Map<Parameter, NDArray> arrays;
        private final Unit unit;

        UnitStore(ParameterStore outer, Map<Parameter, NDArray> arrays, Unit unit) {
            super(outer.getManager(), false);
            this.outer = outer;
            this.arrays = arrays;
            this.unit = unit;
        }

        @Override
        public NDArray getValue(Parameter parameter, Device device, boolean training) {
            NDArray a = arrays.get(parameter);
            if (a == null) {
                return outer.getValue(parameter, device, training);
            }
            if (training) {
                throw new IllegalStateException("the weights of " + unit.name() + " are streamed (memory-budgeted "
                        + "execution is for inference): train with every weight resident");
            }
            if (!a.getDevice().equals(device)) {
                throw new IllegalStateException("the weights of " + unit.name() + " were streamed to "
                        + a.getDevice() + " but the layer runs on " + device);
            }
            return a;
        }
    }

    /**
     * A checkpoint whose {@link #read} fills the one reusable buffer by positional reads: the loader turns it into
     * engine memory at once, and what it gets is a slice, which it cannot (and need not) free.
     */
    private static final class BufferedReads implements Checkpoint {
        private final Checkpoint source;
        private final ByteBuffer buffer;

        BufferedReads(Checkpoint source, ByteBuffer buffer) {
            this.source = source;
            this.buffer = buffer;
        }

        @Override
        public Path path() {
            return source.path();
        }

        @Override
        public Collection<String> keys() {
            return source.keys();
        }

        @Override
        public TensorInfo info(String key) {
            return source.info(key);
        }

        @Override
        public Map<String, TensorInfo> infos() {
            return source.infos();
        }

        @Override
        public ByteBuffer read(String key) throws CheckpointException {
            buffer.clear();
            source.readInto(key, buffer);
            return buffer.flip().slice().order(ByteOrder.LITTLE_ENDIAN);
        }

        @Override
        public void readInto(String key, ByteBuffer dst) throws CheckpointException {
            source.readInto(key, dst);
        }

        @Override
        public Path fileOf(String key) {
            return source.fileOf(key);
        }

        @Override
        public void close() {
            // the source is closed by its owner
        }
    }
}
