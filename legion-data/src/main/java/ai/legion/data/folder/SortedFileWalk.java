package ai.legion.data.folder;

import ai.legion.data.DatasetException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * A lazy, deterministic, depth-first walk over the regular files below a directory.
 *
 * <p>Unlike {@link Files#walk}, whose order is whatever the file system returns, the entries of each
 * directory are visited sorted by file name ({@link String#compareTo}), files and sub-directories
 * interleaved in that order, so two runs over the same tree give the same sequence on any machine.
 * Only one sorted listing per open directory level is held in memory, never the whole tree.
 *
 * <p>Symbolic links to directories are not followed (no cycles); symbolic links to files are
 * returned like files. A sub-directory that cannot be listed is passed to the error handler and
 * skipped, so one unreadable folder does not end the walk.
 */
public final class SortedFileWalk implements Iterator<Path> {

    private static final Comparator<Path> BY_NAME = Comparator.comparing(p -> p.getFileName().toString());

    private final Deque<Iterator<Path>> stack = new ArrayDeque<>();
    private final BiConsumer<Path, IOException> onError;
    private Path next;

    /**
     * Starts a walk.
     *
     * @param root the directory to walk
     * @param onError called with a sub-directory that could not be listed (it is then skipped)
     * @throws IOException if {@code root} is not a directory or cannot be listed
     */
    public SortedFileWalk(Path root, BiConsumer<Path, IOException> onError) throws IOException {
        Objects.requireNonNull(root, "root");
        this.onError = Objects.requireNonNull(onError, "onError");
        if (!Files.isDirectory(root)) {
            throw new IOException(root + ": not a directory");
        }
        stack.push(listSorted(root).iterator());
    }

    /**
     * Starts a walk for a dataset reader.
     *
     * @throws DatasetException.Unchecked if {@code root} is not a directory or cannot be listed
     */
    public static SortedFileWalk start(Path root, BiConsumer<Path, IOException> onError) {
        try {
            return new SortedFileWalk(root, onError);
        } catch (IOException e) {
            throw new DatasetException.Unchecked(new DatasetException(root, "cannot list: " + e, e));
        }
    }

    /** Lists a directory's entries sorted by file name. */
    static List<Path> listSorted(Path dir) throws IOException {
        List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                entries.add(p);
            }
        }
        entries.sort(BY_NAME);
        return entries;
    }

    @Override
    public boolean hasNext() {
        while (next == null && !stack.isEmpty()) {
            Iterator<Path> top = stack.peek();
            if (!top.hasNext()) {
                stack.pop();
                continue;
            }
            Path p = top.next();
            if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                try {
                    stack.push(listSorted(p).iterator());
                } catch (IOException e) {
                    onError.accept(p, e);
                }
            } else if (Files.isRegularFile(p)) {
                next = p;
            }
            // anything else (broken link, link to a directory, socket, device) is not a data file
        }
        return next != null;
    }

    @Override
    public Path next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        Path p = next;
        next = null;
        return p;
    }
}
