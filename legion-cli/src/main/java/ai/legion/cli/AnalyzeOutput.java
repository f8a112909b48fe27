package ai.legion.cli;

import ai.legion.core.io.IoUtils;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The {@code --out} folder of {@code legion analyze}: one folder per image, named after the image file (as
 * upstream names its outputs) but cleaned so that no input name can point outside {@code --out}, made unique
 * within a run ({@code -2}, {@code -3}, ...), and published whole: an image's files are written into a hidden
 * temporary folder and renamed to the final name only when all of them are there.
 */
final class AnalyzeOutput {

    /** Prefix of the temporary folders; what a killed run leaves with it is removed by the next run. */
    static final String TMP_PREFIX = ".legion-tmp-";

    private static final int MAX_NAME = 100;

    /** Path separators and what Windows refuses in file names. */
    private static final String FORBIDDEN = "/\\:*?\"<>|";

    /** Device names Windows refuses as file names, whatever the extension. */
    private static final Pattern RESERVED = Pattern.compile("(?i)(con|prn|aux|nul|com[0-9]|lpt[0-9])(\\..*)?");

    private final Path root;
    private final Set<String> used = new HashSet<>();

    /**
     * Checks {@code out} and creates it.
     *
     * @throws IllegalArgumentException if {@code out} exists and is not a folder, or cannot be created
     */
    AnalyzeOutput(Path out) {
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new IllegalArgumentException("--out " + out + " exists and is not a folder");
        }
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new IllegalArgumentException("--out " + out + ": cannot create the folder: " + e, e);
        }
        this.root = out.toAbsolutePath().normalize();
    }

    /** Removes the temporary folders of an earlier run that did not finish; returns what was removed. */
    List<Path> removeStale() throws IOException {
        List<Path> stale;
        try (Stream<Path> s = Files.list(root)) {
            stale = s.filter(p -> p.getFileName().toString().startsWith(TMP_PREFIX)).toList();
        }
        List<Path> removed = new ArrayList<>();
        for (Path p : stale) {
            IoUtils.deleteRecursively(p);
            removed.add(p);
        }
        return removed;
    }

    /**
     * The folder name of {@code image} in this run: its file name without extension, with control and
     * invisible format characters, path separators and {@code : * ? " < > |} replaced by {@code _}, no leading
     * dot, no trailing dot or space, at most 100 characters, and suffixed
     * {@code -2}, {@code -3}, ... when an earlier image of the run already has it (compared ignoring case, for
     * case-insensitive file systems). Call once per image, in input order, so reruns give the same names.
     */
    String assign(Path image) {
        String base = clean(image.getFileName() == null ? "" : image.getFileName().toString());
        String name = base;
        for (int n = 2; !used.add(name.toLowerCase(Locale.ROOT)); n++) {
            name = base + "-" + n;
        }
        return name;
    }

    static String clean(String fileName) {
        int dot = fileName.lastIndexOf('.');
        String stem = dot > 0 ? fileName.substring(0, dot) : fileName;
        StringBuilder sb = new StringBuilder();
        // names stay as upstream and `legion eval --predictions` expect them (NAME/mask.png) wherever they are safe
        stem.codePoints().forEach(c -> sb.appendCodePoint(FORBIDDEN.indexOf(c) >= 0 || Character.isISOControl(c)
                || Character.getType(c) == Character.FORMAT || Character.getType(c) == Character.SURROGATE ? '_' : c));
        String name = sb.toString();
        if (name.codePointCount(0, name.length()) > MAX_NAME) {
            name = name.substring(0, name.offsetByCodePoints(0, MAX_NAME));
        }
        // a leading dot would hide the folder (or make it "." or ".."); Windows drops trailing dots and spaces
        name = name.replaceFirst("^[.]+", "").replaceFirst("[. ]+$", "");
        if (name.isEmpty()) {
            name = "image";
        }
        return RESERVED.matcher(name).matches() ? "_" + name : name;
    }

    /** The final folder of {@code name} (which {@link #assign} returned). */
    Path folder(String name) {
        Path dir = root.resolve(name).normalize();
        if (!root.equals(dir.getParent())) { // assign() cannot produce this; guard the invariant all the same
            throw new IllegalStateException("output folder " + dir + " is not directly inside " + root);
        }
        return dir;
    }

    /** Something that fills a folder with an image's outputs. */
    interface Writer {
        void write(Path dir) throws Exception;
    }

    /**
     * Writes {@code name}'s outputs into a temporary folder and renames it to {@link #folder(String)}, replacing
     * the folder of an earlier run only once the new one is complete. On failure nothing of the new outputs is
     * left and an earlier folder of that name is kept.
     */
    Path publish(String name, Writer writer) throws Exception {
        Path target = folder(name);
        Path tmp = root.resolve(TMP_PREFIX + name + "-" + UUID.randomUUID());
        Path old = null;
        try {
            Files.createDirectory(tmp);
            writer.write(tmp);
            if (Files.exists(target)) {
                old = root.resolve(TMP_PREFIX + name + "-old-" + UUID.randomUUID());
                move(target, old);
            }
            move(tmp, target);
        } catch (Exception e) {
            if (old != null && !Files.exists(target)) {
                move(old, target);
                old = null;
            }
            IoUtils.deleteRecursively(tmp);
            throw e;
        } finally {
            if (old != null) {
                IoUtils.deleteRecursively(old);
            }
        }
        return target;
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }
}
