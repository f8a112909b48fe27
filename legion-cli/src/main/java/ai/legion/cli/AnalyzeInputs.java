package ai.legion.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The image list of {@code legion analyze}: files as given, folders walked recursively and globs expanded (both
 * keep only image extensions, sorted so that runs are repeatable), duplicates dropped. Every problem is collected
 * so that one message names all of them before a model is loaded.
 */
final class AnalyzeInputs {

    /** What {@link ai.legion.core.image.ImageLoader} decodes. */
    static final Set<String> IMAGE_EXTENSIONS = Set.of("png", "jpg", "jpeg", "webp", "bmp", "gif", "tif", "tiff");

    private final Map<Path, Path> images = new LinkedHashMap<>();
    private final List<String> problems = new ArrayList<>();

    /** Expands {@code args}; see {@link #problems()} for what could not be used. */
    static AnalyzeInputs expand(List<String> args) {
        AnalyzeInputs in = new AnalyzeInputs();
        for (String arg : args) {
            in.add(arg);
        }
        return in;
    }

    /** The images to analyze, in argument order (folder and glob matches sorted), each once. */
    List<Path> images() {
        return List.copyOf(images.values());
    }

    /** One line per argument that gave no image (missing file, empty folder, glob without match). */
    List<String> problems() {
        return problems;
    }

    /** Records a problem found outside the image list (model or CLIP folder), so one error names everything. */
    void problem(String message) {
        problems.add(message);
    }

    private void add(String arg) {
        Path p;
        try {
            p = Path.of(arg);
        } catch (InvalidPathException e) {
            problems.add(arg + ": not a valid path (" + e.getReason() + ")");
            return;
        }
        if (Files.isDirectory(p)) {
            addAll(arg, walk(p, Integer.MAX_VALUE, null), "no image files (" + IMAGE_EXTENSIONS + ") in folder");
        } else if (Files.exists(p)) {
            keep(p);
        } else if (isGlob(arg)) {
            glob(arg);
        } else {
            problems.add(arg + ": no such file");
        }
    }

    private void glob(String arg) {
        // the folder part before the first component with a wildcard is walked; the rest is matched against
        // paths relative to it (java.nio glob syntax: *, ?, [...], {a,b}, ** across folders)
        String[] parts = arg.split("/", -1);
        int first = 0;
        while (first < parts.length && !isGlob(parts[first])) {
            first++;
        }
        String base = String.join("/", List.of(parts).subList(0, first));
        String pattern = String.join("/", List.of(parts).subList(first, parts.length));
        Path dir = Path.of(base.isEmpty() && arg.startsWith("/") ? "/" : base);
        if (!Files.isDirectory(dir.toString().isEmpty() ? Path.of(".") : dir)) {
            problems.add(arg + ": no such folder " + base);
            return;
        }
        int depth = pattern.contains("**") ? Integer.MAX_VALUE : parts.length - first;
        PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + pattern);
        addAll(arg, walk(dir, depth, matcher), "no image file matches");
    }

    private void addAll(String arg, List<Path> found, String none) {
        if (found.isEmpty()) {
            problems.add(arg + ": " + none);
        }
        found.forEach(this::keep);
    }

    private void keep(Path p) {
        images.putIfAbsent(p.toAbsolutePath().normalize(), p);
    }

    /** Image files below {@code dir} (to {@code depth} levels), matching {@code matcher} relative to it if given. */
    private static List<Path> walk(Path dir, int depth, PathMatcher matcher) {
        Path root = dir.toString().isEmpty() ? Path.of(".") : dir;
        try (Stream<Path> s = Files.walk(root, depth)) {
            return s.filter(Files::isRegularFile)
                    .map(f -> dir.resolve(root.relativize(f)))
                    .filter(f -> matcher == null || matcher.matches(dir.relativize(f)))
                    .filter(AnalyzeInputs::isImage)
                    .sorted()
                    .toList();
        } catch (IOException | UncheckedIOException e) {
            throw new IllegalArgumentException(dir + ": cannot list folder: " + e.getMessage(), e);
        }
    }

    static boolean isImage(Path p) {
        String name = p.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot >= 0 && IMAGE_EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    private static boolean isGlob(String s) {
        return s.chars().anyMatch(c -> c == '*' || c == '?' || c == '[' || c == '{');
    }
}
