package ai.legion.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.legion.core.io.Buffers;
import ai.legion.core.io.Checkpoint;
import ai.legion.core.io.CheckpointConverter;
import ai.legion.core.io.CheckpointException;
import ai.legion.core.io.Checkpoints;
import ai.legion.core.io.DType;
import ai.legion.core.io.IoUtils;
import ai.legion.core.io.NDArrayLoader;
import ai.legion.core.io.SafetensorsWriter;
import ai.legion.core.io.TensorInfo;
import ai.legion.core.io.torch.TorchCheckpointWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code legion bench io}: generates a large safetensors file and a large torch .bin shard with
 * LLaMA-7B-like tensor shapes, then measures read throughput and peak RSS of the checkpoint readers,
 * of loading every tensor into an NDArray, and of the .bin to safetensors converter.
 */
@Command(name = "io", mixinStandardHelpOptions = true,
        description = "Checkpoint I/O throughput and peak RSS on generated multi-GiB files.")
final class IoBenchmark implements Callable<Integer> {

    @Option(names = "--dir", description = "Scratch folder for the generated files (default: a temp folder).")
    Path dir;

    @Option(names = "--safetensors-gib", defaultValue = "2.2", description = "Size of the safetensors file (GiB).")
    double safetensorsGib;

    @Option(names = "--bin-gib", defaultValue = "1.1", description = "Size of the torch .bin shard (GiB).")
    double binGib;

    @Option(names = "--keep", description = "Keep the generated files.")
    boolean keep;

    private static final long EMBED_ROWS = 32000;
    private static final long HIDDEN = 4096;
    private static final long MLP = 11008;

    @Override
    public Integer call() throws Exception {
        Path work = dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("legion-bench-io");
        Path st = work.resolve("bench.safetensors");
        Path bin = work.resolve("pytorch_model-00001-of-00001.bin");
        Path converted = work.resolve("converted");
        try {
            System.out.printf("machine: %d cores, max heap %d MiB; files in %s (page cache warm: just written)%n",
                    Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20, work);
            List<TensorInfo> stTensors = layout(safetensorsGib, false);
            List<TensorInfo> binTensors = layout(binGib, true);
            timed("generate safetensors", total(stTensors), () -> writeSafetensors(st, stTensors));
            timed("generate .bin", total(binTensors), () -> writeBin(bin, binTensors));
            try (NDManager m = NDManager.newBaseManager()) {
                m.zeros(new ai.djl.ndarray.types.Shape(1)).close(); // load the engine outside the timings
            }
            System.out.printf("%-34s %8s %7s %8s %10s %10s %9s%n", "phase", "MB", "s", "MB/s", "start RSS",
                    "peak RSS", "bound");
            measure("safetensors: read (mmap, checksum)", st, Mode.RAW);
            measure("safetensors: load NDArrays (fp32)", st, Mode.NDARRAY);
            measure(".bin: read (mmap, checksum)", bin, Mode.RAW);
            measure(".bin: load NDArrays (bf16->fp32)", bin, Mode.NDARRAY);
            measure(".bin -> safetensors convert", bin, Mode.CONVERT, converted);
            System.out.println("MB = 10^6 bytes; start/peak RSS = VmRSS before the phase and VmHWM during it "
                    + "(reset per phase); bound = file size + largest tensor");
            return 0;
        } finally {
            if (!keep) {
                IoUtils.deleteRecursively(work);
            }
        }
    }

    private enum Mode { RAW, NDARRAY, CONVERT }

    private void measure(String label, Path file, Mode mode) throws Exception {
        measure(label, file, mode, null);
    }

    private void measure(String label, Path file, Mode mode, Path out) throws Exception {
        long fileSize = Files.size(file);
        long largest;
        long bytes = 0;
        System.gc();
        long startRss = rss();
        resetPeakRss();
        long t0 = System.nanoTime();
        try (Checkpoint c = Checkpoints.open(file)) {
            largest = c.infos().values().stream().mapToLong(TensorInfo::byteLength).max().orElse(0);
            switch (mode) {
                case RAW -> {
                    long sum = 0;
                    for (String key : c.keys()) {
                        ByteBuffer b = c.read(key);
                        LongBuffer l = b.order(ByteOrder.LITTLE_ENDIAN).asLongBuffer();
                        for (int i = 0; i < l.limit(); i++) {
                            sum += l.get(i);
                        }
                        bytes += b.remaining();
                        Buffers.release(b);
                    }
                    if (sum == 42) {
                        System.out.print("");
                    }
                }
                case NDARRAY -> {
                    try (NDManager manager = NDManager.newBaseManager()) {
                        for (String key : c.keys()) {
                            try (NDArray a = NDArrayLoader.load(c, key, manager, NDArrayLoader.FloatPolicy.FLOAT32)) {
                                bytes += c.info(key).byteLength();
                            }
                        }
                    }
                }
                case CONVERT -> bytes = CheckpointConverter.toSafetensors(file, out).bytes();
            }
        }
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf("%-34s %8.0f %7.2f %8.0f %10.0f %10.0f %9.0f%n", label, bytes / 1e6, s, bytes / 1e6 / s,
                startRss / 1e6, peakRss() / 1e6, (fileSize + largest) / 1e6);
    }

    /** LLaMA-7B-like shapes: embeddings, then attention and MLP projections, until the size is reached. */
    static List<TensorInfo> layout(double gib, boolean mixedBf16) {
        long target = (long) (gib * (1L << 30));
        List<TensorInfo> out = new ArrayList<>();
        DType big = mixedBf16 ? DType.BF16 : DType.F32;
        out.add(new TensorInfo("model.embed_tokens.weight", big, new long[] {EMBED_ROWS, HIDDEN}));
        long total = out.get(0).byteLength();
        for (int layer = 0; total < target; layer++) {
            String p = "model.layers." + layer + ".";
            TensorInfo[] ts = {
                new TensorInfo(p + "self_attn.q_proj.weight", big, new long[] {HIDDEN, HIDDEN}),
                new TensorInfo(p + "mlp.up_proj.weight", big, new long[] {MLP, HIDDEN}),
                new TensorInfo(p + "input_layernorm.weight", DType.F32, new long[] {HIDDEN}),
            };
            for (TensorInfo t : ts) {
                out.add(t);
                total += t.byteLength();
            }
        }
        return out;
    }

    private static long total(List<TensorInfo> ts) {
        return ts.stream().mapToLong(TensorInfo::byteLength).sum();
    }

    /** Streams a fixed pseudo-random block as the content of every tensor. */
    private static SafetensorsWriter.TensorSource pattern(TensorInfo t) {
        return out -> {
            ByteBuffer block = PATTERN.duplicate();
            long left = t.byteLength();
            while (left > 0) {
                block.clear().limit((int) Math.min(block.capacity(), left));
                IoUtils.writeFully(out, block);
                left -= block.limit();
            }
        };
    }

    private static final ByteBuffer PATTERN = makePattern();

    private static ByteBuffer makePattern() {
        ByteBuffer b = ByteBuffer.allocateDirect(1 << 22).order(ByteOrder.LITTLE_ENDIAN);
        Random r = new Random(1);
        while (b.remaining() >= 4) {
            b.putFloat((float) r.nextGaussian() * 0.02f);
        }
        return b.flip();
    }

    private static void writeSafetensors(Path f, List<TensorInfo> ts) throws CheckpointException {
        SafetensorsWriter w = new SafetensorsWriter();
        ts.forEach(t -> w.add(t, pattern(t)));
        w.write(f);
    }

    private static void writeBin(Path f, List<TensorInfo> ts) throws CheckpointException {
        TorchCheckpointWriter w = new TorchCheckpointWriter();
        ts.forEach(t -> w.add(t, pattern(t)));
        w.write(f);
    }

    @FunctionalInterface
    private interface Step {
        void run() throws Exception;
    }

    private static void timed(String label, long bytes, Step step) throws Exception {
        long t0 = System.nanoTime();
        step.run();
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf("%-34s %.0f MB in %.1f s (%.0f MB/s)%n", label, bytes / 1e6, s, bytes / 1e6 / s);
    }

    /** Resets VmHWM to the current RSS (Linux: write 5 to /proc/self/clear_refs). */
    static void resetPeakRss() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (IOException | RuntimeException e) {
            // not Linux or not permitted: the peak then covers the whole run
        }
    }

    /** VmHWM in bytes, or -1 where /proc is unavailable. */
    static long peakRss() {
        return status("VmHWM:");
    }

    /** VmRSS in bytes, or -1 where /proc is unavailable. */
    static long rss() {
        return status("VmRSS:");
    }

    private static long status(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return -1;
    }
}
