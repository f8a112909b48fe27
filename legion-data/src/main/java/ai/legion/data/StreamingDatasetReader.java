package ai.legion.data;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the streaming readers share: every {@link #iterator()} starts a fresh {@link ValidationReport} (the one
 * {@link #validation()} returns from then on) and a {@link RecordStream} over the input; {@link #close()}
 * closes the streams that have not reached their end, and the reader can still be iterated afterwards.
 */
public abstract class StreamingDatasetReader implements DatasetReader {

    private final Set<RecordStream> open = ConcurrentHashMap.newKeySet();
    private volatile ValidationReport report = new ValidationReport();

    /**
     * Starts one pass over the input, its findings going to {@code report}.
     *
     * @throws DatasetException.Unchecked when the input cannot be read from the start
     */
    protected abstract RecordStream openStream(ValidationReport report);

    /**
     * {@inheritDoc} Each call starts from the beginning with a fresh {@link #validation()} report.
     *
     * @throws DatasetException.Unchecked when the input cannot be read (see the reader's documentation)
     */
    @Override
    public final Iterator<ArtifactRecord> iterator() {
        ValidationReport r = new ValidationReport();
        report = r;
        RecordStream stream = openStream(r);
        open.add(stream);
        return stream;
    }

    @Override
    public final ValidationReport validation() {
        return report;
    }

    /**
     * Closes the input of every iteration that has not reached its end (asking one of them for more records
     * then fails); the reader stays usable.
     */
    @Override
    public final void close() {
        for (RecordStream s : open) {
            s.close();
        }
    }

    /**
     * One pass over the input: {@link #read()} is called until it yields a record or the pass {@link #end()}s.
     * A {@link DatasetException} from {@link #read()} ends the pass and surfaces as
     * {@link DatasetException.Unchecked}; so does asking for more records after {@link #close()} cut the pass
     * short (rather than ending quietly, which would look like a complete dataset).
     */
    protected abstract class RecordStream implements Iterator<ArtifactRecord>, AutoCloseable {

        /** Where this pass reports what it finds. */
        protected final ValidationReport report;
        private ArtifactRecord next;
        private volatile boolean done;
        private volatile boolean cutShort;
        private boolean released;

        protected RecordStream(ValidationReport report) {
            this.report = report;
        }

        /**
         * Reads on: the next record, or {@code null} when this step produced none (an item that was reported and
         * skipped, or the end of the input after calling {@link #end()}).
         */
        protected abstract ArtifactRecord read() throws DatasetException;

        /** Releases what this pass holds open (called once, when the pass ends or is closed). */
        protected void release() {
        }

        /** Ends this pass at the end of the input, releasing what it holds open. */
        protected final void end() {
            stop();
        }

        @Override
        public final boolean hasNext() {
            try {
                while (next == null && !done) {
                    next = read();
                }
            } catch (DatasetException e) {
                stop();
                throw new DatasetException.Unchecked(e);
            }
            if (next == null && cutShort) {
                throw new DatasetException.Unchecked(new DatasetException(null, "the " + name()
                        + " reader was closed before this iteration reached the end of its input"));
            }
            return next != null;
        }

        @Override
        public final ArtifactRecord next() {
            if (!hasNext()) {
                throw new NoSuchElementException("no more " + name() + " records");
            }
            ArtifactRecord r = next;
            next = null;
            return r;
        }

        /** Stops this pass before its end, releasing its input; asking it for more records then fails. */
        @Override
        public final void close() {
            if (!done) {
                cutShort = true;
            }
            stop();
        }

        private void stop() {
            done = true;
            open.remove(this);
            synchronized (this) {
                if (released) {
                    return;
                }
                released = true;
            }
            release();
        }
    }
}
