package ai.legion.core.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The folder where LEGION keeps what it derives once and reuses (converted tokenizers, the unpacked demo model):
 * {@code -Dlegion.cache}, else {@code ~/.cache/legion}.
 *
 * <p>Readers look in {@link #dir()}; writers ask {@link #writableDir()}, which is the same folder unless it cannot be
 * written (a container with a read-only home, say): then a folder under {@code java.io.tmpdir} stands in, and one
 * warning per process says so. Files already in a read-only cache stay usable.
 */
public final class LegionCache {

    private static final Logger LOG = LoggerFactory.getLogger(LegionCache.class);

    /** Per configured folder, the folder writers use (itself or the fallback). */
    private static final Map<Path, Path> WRITABLE = new ConcurrentHashMap<>();

    private LegionCache() {}

    /** The configured cache folder: {@code -Dlegion.cache}, else {@code ~/.cache/legion} (may not exist). */
    public static Path dir() {
        String prop = System.getProperty("legion.cache");
        if (prop != null && !prop.isBlank()) {
            return Paths.get(prop).toAbsolutePath().normalize();
        }
        return Paths.get(System.getProperty("user.home"), ".cache", "legion").toAbsolutePath().normalize();
    }

    /**
     * A cache folder this process can write: {@link #dir()} (created if needed) when a file can be created in it,
     * else {@code java.io.tmpdir/legion-cache-USER}, with one warning naming both.
     *
     * @throws IllegalStateException if neither folder can be written
     */
    public static Path writableDir() {
        return WRITABLE.computeIfAbsent(dir(), LegionCache::resolveWritable);
    }

    private static Path resolveWritable(Path configured) {
        IOException why = probe(configured);
        if (why == null) {
            return configured;
        }
        Path temp = Paths.get(System.getProperty("java.io.tmpdir"),
                "legion-cache-" + System.getProperty("user.name", "user").replaceAll("[^A-Za-z0-9._-]", "_"))
                .toAbsolutePath().normalize();
        IOException tempWhy = probe(temp);
        if (tempWhy != null) {
            throw new IllegalStateException("the LEGION cache folder " + configured + " cannot be written (" + why
                    + ") and neither can the fallback " + temp + " (" + tempWhy + "); set -Dlegion.cache=DIR", tempWhy);
        }
        LOG.warn("the LEGION cache folder {} cannot be written ({}); using {} for this process "
                + "(set -Dlegion.cache=DIR to choose another)", configured, why.toString(), temp);
        return temp;
    }

    /**
     * Null if a file can be created in {@code dir} (created if needed), else why not. A real write, since
     * permission bits do not tell (root ignores them, read-only mounts do not show in them).
     */
    private static IOException probe(Path dir) {
        try {
            Files.createDirectories(dir);
            Path p = Files.createTempFile(dir, ".write-probe-", ".tmp");
            Files.delete(p);
            return null;
        } catch (IOException e) {
            return e;
        } catch (SecurityException | UnsupportedOperationException e) {
            return new IOException(e.toString(), e);
        }
    }
}
