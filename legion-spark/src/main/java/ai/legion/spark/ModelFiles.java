package ai.legion.spark;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.SparkEnv;
import org.apache.spark.SparkFiles;
import scala.Tuple2;

/**
 * Where an executor finds a model folder or an image: a local path (the same on every node: a shared mount, or the
 * driver's own path in local mode), a file shipped with {@code SparkContext.addFile} / {@code spark-submit --files}
 * ({@link SparkFiles}), or a Hadoop URI ({@code hdfs://}, {@code s3a://}, {@code abfs://}, {@code gs://}) that is
 * copied once per node into a local cache, because libtorch and the safetensors reader map local files.
 */
final class ModelFiles {

    /** System property naming the local cache of copied model folders (default: the JVM's temp folder). */
    static final String CACHE_PROPERTY = "legion.spark.cache";

    private ModelFiles() {
    }

    /** The local folder of a model location. */
    static Path resolveDirectory(String location) {
        return resolve(location, true);
    }

    /** The local file of a location (e.g. a SAM config JSON). */
    static Path resolveFile(String location) {
        return resolve(location, false);
    }

    /** Whether {@code location} names a non-local file system (Hadoop scheme other than {@code file}). */
    static boolean isRemote(String location) {
        URI uri = uri(location);
        return uri != null && !"file".equals(uri.getScheme());
    }

    /** The local path of a plain path or a {@code file:} URI (Spark's {@code binaryFile} gives the latter). */
    static Path localPath(String location) {
        URI uri = uri(location);
        return uri != null && "file".equals(uri.getScheme()) ? Path.of(uri) : Path.of(location);
    }

    /** Opens a remote file through Hadoop (for images given as {@code hdfs://...} paths). */
    static InputStream openRemote(String location) throws IOException {
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(location);
        return p.getFileSystem(hadoopConf()).open(p);
    }

    private static Path resolve(String location, boolean dir) {
        if (isRemote(location)) {
            return copyToCache(location);
        }
        Path local = localPath(location);
        if (dir ? Files.isDirectory(local) : Files.isRegularFile(local)) {
            return local;
        }
        Path shipped = shipped(location);
        if (shipped != null && (dir ? Files.isDirectory(shipped) : Files.isRegularFile(shipped))) {
            return shipped;
        }
        throw new UncheckedIOException(new IOException(location + ": no such " + (dir ? "folder" : "file")
                + " on this executor (looked for a local path" + (shipped != null ? " and the SparkFiles copy "
                + shipped : "") + "; ship it with --files/addFile or give a Hadoop URI such as hdfs://...)"));
    }

    /** Where {@code SparkFiles} put a file shipped under the name {@code location}, or null outside Spark. */
    private static Path shipped(String location) {
        if (SparkEnv.get() == null || location.isEmpty()) {
            return null;
        }
        Path name = Path.of(location).getFileName();
        return name == null ? null : Path.of(SparkFiles.get(name.toString()));
    }

    /** Copies a remote file or folder into this node's cache once (atomically, so parallel JVMs agree). */
    private static Path copyToCache(String location) {
        Path root = Path.of(System.getProperty(CACHE_PROPERTY,
                Path.of(System.getProperty("java.io.tmpdir"), "legion-spark-models").toString()));
        Path target = root.resolve(digest(location));
        if (Files.exists(target)) {
            return target;
        }
        try {
            Files.createDirectories(root);
            Path staging = Files.createTempDirectory(root, "copy-");
            org.apache.hadoop.fs.Path src = new org.apache.hadoop.fs.Path(location);
            FileSystem fs = src.getFileSystem(hadoopConf());
            Path copied = staging.resolve("x");
            fs.copyToLocalFile(false, src, new org.apache.hadoop.fs.Path(copied.toUri()), true);
            try {
                Files.move(copied, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException
                    | java.nio.file.DirectoryNotEmptyException lostRace) {
                // another JVM of this node copied it first: its copy is the same bytes
                deleteTree(copied);
            }
            deleteTree(staging);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(new IOException("cannot copy " + location + " to the local cache " + root
                    + ": " + e.getMessage(), e));
        }
    }

    /** A Hadoop configuration with the application's {@code spark.hadoop.*} settings (credentials, endpoints). */
    private static Configuration hadoopConf() {
        Configuration conf = new Configuration();
        SparkEnv env = SparkEnv.get();
        if (env != null) {
            for (Tuple2<String, String> kv : env.conf().getAllWithPrefix("spark.hadoop.")) {
                conf.set(kv._1(), kv._2());
            }
        }
        return conf;
    }

    private static URI uri(String location) {
        try {
            URI u = new URI(location);
            // one-letter schemes are Windows drive letters, not file systems
            return u.getScheme() != null && u.getScheme().length() > 1 ? u : null;
        } catch (URISyntaxException notAUri) {
            return null;
        }
    }

    private static String digest(String location) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(location.getBytes(StandardCharsets.UTF_8));
            String name = Path.of(URI.create(location).getPath()).getFileName() + "";
            return name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]", "_") + "-"
                    + HexFormat.of().formatHex(h, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (var s = Files.walk(p)) {
            for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        }
    }
}
