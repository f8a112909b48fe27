package ai.legion.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;

class StreamingDatasetReaderTest {

    /** Items "a", "b", ...: "skip" is reported and skipped, "bad" makes the input unreadable. */
    private static final class ListReader extends StreamingDatasetReader {
        private final List<String> items;
        final List<String> released = new ArrayList<>();

        ListReader(String... items) {
            this.items = List.of(items);
        }

        @Override
        public String name() {
            return "list";
        }

        @Override
        protected RecordStream openStream(ValidationReport report) {
            return new RecordStream(report) {
                private int i;

                @Override
                protected ArtifactRecord read() throws DatasetException {
                    if (i == items.size()) {
                        end();
                        return null;
                    }
                    String item = items.get(i++);
                    if (item.equals("bad")) {
                        throw new DatasetException(Path.of("list.txt"), "unreadable item " + i);
                    }
                    if (item.equals("skip")) {
                        report.add("skipped_item", "#" + i, "skipped");
                        report.recordSkipped();
                        return null;
                    }
                    report.recordRead();
                    return new ArtifactRecord(item, "list", Path.of(item + ".png"), Authenticity.FAKE, "", List.of(),
                            Map.of());
                }

                @Override
                protected void release() {
                    released.add("pass");
                }
            };
        }
    }

    private static List<String> ids(Iterator<ArtifactRecord> it) {
        List<String> out = new ArrayList<>();
        it.forEachRemaining(r -> out.add(r.id()));
        return out;
    }

    @Test
    void streamsRecordsSkipsReportedItemsAndReleasesOnceAtTheEnd() {
        ListReader r = new ListReader("a", "skip", "b");
        Iterator<ArtifactRecord> it = r.iterator();
        assertEquals(List.of("a", "b"), ids(it));
        assertFalse(it.hasNext());
        assertThrows(NoSuchElementException.class, it::next);
        assertEquals(2, r.validation().recordsRead());
        assertEquals(1, r.validation().recordsSkipped());
        assertEquals(Map.of("skipped_item", 1), r.validation().counts());
        assertEquals(List.of("pass"), r.released);
        r.close(); // nothing left open
        assertEquals(List.of("pass"), r.released);
    }

    @Test
    void everyIterationHasItsOwnReport() {
        ListReader r = new ListReader("a");
        ids(r.iterator());
        ValidationReport first = r.validation();
        ids(r.iterator());
        assertNotSame(first, r.validation());
        assertEquals(1, r.validation().recordsRead());
    }

    @Test
    void anUnreadableInputEndsThePassWithAnUncheckedError() {
        ListReader r = new ListReader("a", "bad", "b");
        Iterator<ArtifactRecord> it = r.iterator();
        assertEquals("a", it.next().id());
        DatasetException.Unchecked e = assertThrows(DatasetException.Unchecked.class, it::hasNext);
        assertTrue(e.getMessage().contains("list.txt: unreadable item 2"), e.getMessage());
        assertEquals(List.of("pass"), r.released);
        assertFalse(it.hasNext());
    }

    @Test
    void closingTheReaderCutsOpenPassesShortAndTheyFail() {
        ListReader r = new ListReader("a", "b", "c");
        Iterator<ArtifactRecord> cut = r.iterator();
        assertEquals("a", cut.next().id());
        r.close();
        assertEquals(List.of("pass"), r.released);
        DatasetException.Unchecked e = assertThrows(DatasetException.Unchecked.class, cut::hasNext);
        assertTrue(e.getMessage().contains("closed before"), e.getMessage());
        assertEquals(List.of("a", "b", "c"), ids(r.iterator())); // the reader itself stays usable
    }
}
