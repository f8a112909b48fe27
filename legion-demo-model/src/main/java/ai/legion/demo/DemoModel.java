package ai.legion.demo;

import ai.legion.core.io.IoUtils;
import ai.legion.core.io.LegionCache;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.net.URLConnection;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The demo model of LEGION for the JVM, shipped in this jar: a small LEGION checkpoint trained on scars-sim only
 * (synthetic images with drawn-in artifacts; it knows nothing about real generators), plus its held-out sample
 * images.
 *
 * <pre>{@code
 * try (LegionAnalyzer legion = Legion.analyzer().model(DemoModel.path()).build()) {
 *     ArtifactReport report = legion.analyze(DemoModel.samples().resolve("fake-1.png"));
 * }
 * }</pre>
 *
 * <p>The first call unpacks the files into {@code LEGION_CACHE/demo-model/VERSION-HASH/} (the cache folder of
 * {@link LegionCache}: {@code -Dlegion.cache}, else {@code ~/.cache/legion}, else a temporary folder when that one
 * is read-only); later calls and later processes reuse that folder after checking every file's size. Processes
 * that unpack at the same time each write a temporary folder and rename it into place, so a reader never sees a
 * half-written model and the first complete one wins.
 */
public final class DemoModel {

    /** Written last into an unpacked folder: one {@code SIZE PATH} line per file. */
    static final String MANIFEST = ".legion-bundle";

    private static Path unpacked;

    private DemoModel() {}

    /**
     * The demo model's folder (config.json, model.safetensors, tokenizer, clip/), unpacked on first use.
     *
     * @throws IllegalStateException if the jar's files are missing or no cache folder can be written
     */
    public static Path path() {
        return bundle().resolve("model");
    }

    /**
     * A folder with the demo model's held-out scars-sim samples: {@code fake-1.png}, {@code fake-2.png},
     * {@code fake-3.png} (each with drawn-in artifacts) and {@code real.png}.
     *
     * @throws IllegalStateException if the jar's files are missing or no cache folder can be written
     */
    public static Path samples() {
        return bundle().resolve("samples");
    }

    private static synchronized Path bundle() {
        if (unpacked == null || !Files.isDirectory(unpacked)) {
            Index index = Index.read();
            Path found = valid(LegionCache.dir(), index);
            unpacked = found != null ? found : unpack(LegionCache.writableDir(), index);
        }
        return unpacked;
    }

    /** The unpacked folder under {@code cacheRoot} if it is complete, else null. */
    static Path valid(Path cacheRoot, Index index) {
        Path dir = index.folder(cacheRoot);
        return complete(dir, index) ? dir : null;
    }

    /** Unpacks into {@code cacheRoot} (reusing a complete folder) and returns the folder. */
    static Path unpack(Path cacheRoot, Index index) {
        Path dir = index.folder(cacheRoot);
        if (complete(dir, index)) {
            return dir;
        }
        try {
            Files.createDirectories(dir.getParent());
            if (Files.exists(dir)) {
                // damaged (a file deleted or cut short): moved aside first, so the rename below can take its place
                Path stale = dir.resolveSibling(".stale-" + UUID.randomUUID());
                try {
                    Files.move(dir, stale, StandardCopyOption.ATOMIC_MOVE);
                    IoUtils.deleteRecursively(stale);
                } catch (IOException e) {
                    if (complete(dir, index)) { // another process repaired it meanwhile
                        return dir;
                    }
                    throw e;
                }
            }
            Path tmp = Files.createTempDirectory(dir.getParent(), ".unpack-");
            try {
                StringBuilder manifest = new StringBuilder();
                for (String file : index.files()) {
                    manifest.append(copy(file, tmp.resolve(file))).append(' ').append(file).append('\n');
                }
                Files.writeString(tmp.resolve(MANIFEST), manifest, StandardCharsets.UTF_8);
                try {
                    Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException e) {
                    // another process renamed its complete copy first
                    if (!complete(dir, index)) {
                        throw e;
                    }
                }
            } finally {
                if (Files.exists(tmp)) {
                    IoUtils.deleteRecursively(tmp);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot unpack the demo model into " + dir + ": " + e, e);
        }
        if (!complete(dir, index)) {
            throw new IllegalStateException("the demo model unpacked into " + dir + " is incomplete: a file is "
                    + "missing or has the wrong size");
        }
        return dir;
    }

    /** Copies one bundled file; its size must be what the jar says. */
    private static long copy(String file, Path target) throws IOException {
        URL url = resource(file);
        URLConnection c = url.openConnection();
        long expected = c.getContentLengthLong();
        Files.createDirectories(target.getParent());
        long n;
        try (InputStream in = c.getInputStream()) {
            n = Files.copy(in, target);
        }
        if (expected >= 0 && n != expected) {
            throw new IOException(url + ": read " + n + " bytes, the jar says " + expected);
        }
        return n;
    }

    /** Whether {@code dir} holds every file of the index with the size its manifest recorded. */
    static boolean complete(Path dir, Index index) {
        Path manifest = dir.resolve(MANIFEST);
        if (!Files.isRegularFile(manifest)) {
            return false;
        }
        Map<String, Long> sizes = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(manifest, StandardCharsets.UTF_8)) {
                int space = line.indexOf(' ');
                if (space > 0) {
                    sizes.put(line.substring(space + 1), Long.parseLong(line.substring(0, space)));
                }
            }
            if (!sizes.keySet().equals(new java.util.LinkedHashSet<>(index.files()))) {
                return false;
            }
            for (Map.Entry<String, Long> e : sizes.entrySet()) {
                Path f = dir.resolve(e.getKey());
                if (!Files.isRegularFile(f) || Files.size(f) != e.getValue()) {
                    return false;
                }
            }
            return true;
        } catch (IOException | NumberFormatException e) {
            return false;
        }
    }

    private static URL resource(String file) {
        URL url = DemoModel.class.getResource("bundle/" + file);
        if (url == null) {
            throw new IllegalStateException("the legion-demo-model jar has no " + file + " (listed in its "
                    + "bundle.index): the jar is damaged or was built without examples/");
        }
        return url;
    }

    /**
     * The build's {@code bundle.index}: version, content hash and file list.
     *
     * @param version the artifact version
     * @param sha256 a hash over the files' contents and paths
     * @param files the bundled files, {@code model/...} and {@code samples/...}
     */
    record Index(String version, String sha256, List<String> files) {

        /** {@code cacheRoot/demo-model/VERSION-HASH}: a retrained model (new hash) gets a folder of its own. */
        Path folder(Path cacheRoot) {
            return cacheRoot.resolve("demo-model").resolve(version.replaceAll("[^A-Za-z0-9._-]", "_") + "-"
                    + sha256.substring(0, 16));
        }

        static Index read() {
            try (InputStream in = DemoModel.class.getResourceAsStream("bundle.index")) {
                if (in == null) {
                    throw new IllegalStateException("the legion-demo-model jar has no ai/legion/demo/bundle.index");
                }
                return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the demo model's bundle.index", e);
            }
        }

        static Index parse(String text) {
            String version = null;
            String sha256 = null;
            List<String> files = new ArrayList<>();
            for (String line : text.split("\n")) {
                String l = line.strip();
                if (l.startsWith("version=")) {
                    version = l.substring("version=".length());
                } else if (l.startsWith("sha256=")) {
                    sha256 = l.substring("sha256=".length());
                } else if (!l.isEmpty()) {
                    files.add(l);
                }
            }
            if (version == null || sha256 == null || sha256.length() < 16 || files.isEmpty()) {
                throw new IllegalStateException("the demo model's bundle.index lacks its version, hash or files: "
                        + text);
            }
            return new Index(version, sha256, List.copyOf(files));
        }
    }
}
