package ai.legion.data;

import java.util.Iterator;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A dataset as published, read as a stream of {@link ArtifactRecord}s: records are parsed as they are
 * iterated, so a 100k-image dataset is never held in memory. Problems that only affect one record are
 * put in the {@link #validation()} report and the record is skipped or kept as documented by the
 * reader; problems that make the whole dataset unreadable throw {@link DatasetException}.
 */
public interface DatasetReader extends Iterable<ArtifactRecord>, AutoCloseable {

    /** A short name, e.g. {@code "synthscars"}. */
    String name();

    /**
     * Iterates the records (each call starts from the beginning). Unreadable input discovered while
     * iterating surfaces as {@link DatasetException.Unchecked}.
     */
    @Override
    Iterator<ArtifactRecord> iterator();

    /** The records as a sequential stream. */
    default Stream<ArtifactRecord> stream() {
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(iterator(), Spliterator.ORDERED), false);
    }

    /** What was found so far (complete once an iteration has finished). */
    ValidationReport validation();

    @Override
    default void close() {}
}
