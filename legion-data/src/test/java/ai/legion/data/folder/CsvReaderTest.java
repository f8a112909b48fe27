package ai.legion.data.folder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.Reader;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CsvReaderTest {

    private static List<List<String>> parse(String text) throws Exception {
        List<List<String>> rows = new ArrayList<>();
        try (CsvReader r = new CsvReader(new StringReader(text))) {
            List<String> row;
            while ((row = r.next()) != null) {
                rows.add(row);
            }
        }
        return rows;
    }

    @Test
    void rfc4180Basics() throws Exception {
        assertEquals(List.of(List.of("a", "b", "c"), List.of("1", "2", "3")), parse("a,b,c\r\n1,2,3\r\n"));
        assertEquals(List.of(List.of("a", "b"), List.of("1", "2")), parse("a,b\n1,2")); // LF, no final break
        assertEquals(List.of(List.of("a"), List.of("b")), parse("a\rb\r")); // lone CR
        assertEquals(List.of(List.of("", "", "")), parse(",,\n"));
        assertEquals(List.of(List.of("a", "")), parse("a,\r\n"));
        assertEquals(List.of(List.of(" a ", " b")), parse(" a , b\n")); // spaces are data
        assertEquals(List.of(), parse(""));
        assertEquals(List.of(List.of("x"), List.of(""), List.of("y")), parse("x\n\ny\n")); // empty line = one empty field
    }

    @Test
    void quotedFields() throws Exception {
        String text = "\"a,b\",\"say \"\"hi\"\"\",\"line1\r\nline2\",\"\"\r\nplain,\"\",\"x\"\r\n";
        List<List<String>> rows = parse(text);
        assertEquals(2, rows.size());
        assertEquals(List.of("a,b", "say \"hi\"", "line1\r\nline2", ""), rows.get(0));
        assertEquals(List.of("plain", "", "x"), rows.get(1));
    }

    @Test
    void bomIsDropped() throws Exception {
        assertEquals(List.of(List.of("file", "label")), parse("\uFEFFfile,label\n"));
    }

    @Test
    void malformedRecordsThrowAndReadingContinues() throws Exception {
        String text = "h1,h2\nab\"c,1\n\"x\"y,2\nok,3\n\"multi\nline\",4\n\"open,5\n";
        try (CsvReader r = new CsvReader(new StringReader(text))) {
            assertEquals(List.of("h1", "h2"), r.next());
            CsvReader.CsvFormatException e1 = assertThrows(CsvReader.CsvFormatException.class, r::next);
            assertEquals(2, e1.line());
            assertTrue(e1.getMessage().contains("quote inside unquoted field 1"), e1.getMessage());
            CsvReader.CsvFormatException e2 = assertThrows(CsvReader.CsvFormatException.class, r::next);
            assertEquals(3, e2.line());
            assertTrue(e2.getMessage().contains("after the closing quote"), e2.getMessage());
            assertEquals(List.of("ok", "3"), r.next());
            assertEquals(4, r.recordLine());
            assertEquals(List.of("multi\nline", "4"), r.next());
            assertEquals(5, r.recordLine());
            CsvReader.CsvFormatException e3 = assertThrows(CsvReader.CsvFormatException.class, r::next);
            assertEquals(7, e3.line());
            assertTrue(e3.getMessage().contains("not closed"), e3.getMessage());
            assertNull(r.next());
        }
    }

    @Test
    void readsAcrossBufferBoundaries() throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 5000; i++) {
            sb.append(i).append(",\"q\"\"").append(i).append("\"\r\n");
        }
        // a reader that returns one char at a time exercises every refill path
        Reader slow = new Reader() {
            private final StringReader in = new StringReader(sb.toString());

            @Override
            public int read(char[] cbuf, int off, int len) throws java.io.IOException {
                return in.read(cbuf, off, Math.min(len, 1));
            }

            @Override
            public void close() {}
        };
        int n = 0;
        try (CsvReader r = new CsvReader(slow)) {
            List<String> row;
            while ((row = r.next()) != null) {
                assertEquals(List.of(Integer.toString(n), "q\"" + n), row);
                n++;
            }
        }
        assertEquals(5000, n);
    }
}
