package ai.legion.models.memory;

import ai.djl.Device;
import ai.djl.util.cuda.CudaUtils;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.lang.management.OperatingSystemMXBean;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Memory sizes for memory-budgeted execution: parsing {@code 16g}-style sizes, the default budget (what the
 * machine can hold) and printing sizes.
 */
public final class MemoryBudget {

    /** Kept free for the JVM's own memory besides the heap and for libtorch's code and caches. */
    public static final long RUNTIME_MARGIN = 1L << 30;

    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgt]?)(?:i?b)?");

    private MemoryBudget() {}

    /**
     * Parses a size: bytes ({@code 17179869184}) or a number with a binary suffix {@code k}, {@code m}, {@code g}
     * or {@code t} (case-insensitive, optionally followed by {@code b} or {@code ib}): {@code 16g},
     * {@code 800m}, {@code 1.5G}, {@code 512MiB}.
     *
     * @throws IllegalArgumentException naming the text and the accepted forms when it is not a positive size
     */
    public static long parse(String text) {
        String t = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        Matcher m = SIZE.matcher(t);
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a memory size: give bytes or a number with k, "
                    + "m, g or t (binary units), e.g. 16g or 800m");
        }
        int shift = switch (m.group(2)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            default -> 0;
        };
        if (shift == 0 && m.group(1).contains(".")) {
            throw new IllegalArgumentException("'" + text + "' is not a memory size: a byte count is a whole number");
        }
        double bytes = Double.parseDouble(m.group(1)) * (1L << shift);
        if (!(bytes >= 1) || bytes >= Long.MAX_VALUE) {
            throw new IllegalArgumentException("'" + text + "' is not a memory size: it must be at least 1 byte and "
                    + "below 8 EiB");
        }
        return (long) bytes;
    }

    /**
     * What the machine can hold for a model on {@code device}: for the CPU the physical memory (as the operating
     * system, or the container's limit, reports it) minus the JVM's maximum heap and {@link #RUNTIME_MARGIN}; for a
     * GPU its memory minus the margin. {@link Long#MAX_VALUE} (no limit) when the size cannot be read.
     */
    public static long machineDefault(Device device) {
        if (device.isGpu()) {
            try {
                MemoryUsage gpu = CudaUtils.getGpuMemory(device);
                return gpu.getMax() > 0 ? Math.max(1, gpu.getMax() - RUNTIME_MARGIN) : Long.MAX_VALUE;
            } catch (RuntimeException | LinkageError e) {
                return Long.MAX_VALUE;
            }
        }
        long physical = physicalMemory();
        if (physical <= 0) {
            return Long.MAX_VALUE;
        }
        long heap = Runtime.getRuntime().maxMemory();
        return Math.max(1, physical - (heap == Long.MAX_VALUE ? 0 : heap) - RUNTIME_MARGIN);
    }

    /** The machine's physical memory in bytes (the container's limit inside one), or 0 if unknown. */
    public static long physicalMemory() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getTotalMemorySize();
        }
        return 0;
    }

    /** {@code 15.25 GiB}, {@code 812.4 MiB}, {@code 3.0 KiB} or {@code 17 bytes}. */
    public static String format(long bytes) {
        if (bytes == Long.MAX_VALUE) {
            return "unlimited";
        }
        if (bytes < 1024) {
            return bytes + " bytes";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u + 1 < units.length) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, v >= 100 ? "%.0f %s" : v >= 10 ? "%.1f %s" : "%.2f %s", v, units[u]);
    }

    /** {@link #format} followed by the exact count: {@code 15.25 GiB (16374562816 bytes)}. */
    public static String exact(long bytes) {
        return bytes < 1024 || bytes == Long.MAX_VALUE ? format(bytes) : format(bytes) + " (" + bytes + " bytes)";
    }
}
