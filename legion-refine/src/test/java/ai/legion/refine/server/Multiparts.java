package ai.legion.refine.server;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A minimal multipart/form-data parser for the fake servers (independent of the client's encoder). */
public final class Multiparts {

    /** One part. */
    public record Part(String name, String filename, String contentType, byte[] data) {
        /** The data as UTF-8 text. */
        public String text() {
            return new String(data, StandardCharsets.UTF_8);
        }
    }

    private static final Pattern NAME = Pattern.compile("name=\"([^\"]*)\"");
    private static final Pattern FILENAME = Pattern.compile("filename=\"([^\"]*)\"");

    private Multiparts() {}

    /** Parses a body; throws AssertionError when it is not well-formed. */
    public static Map<String, Part> parse(byte[] body, String contentType) {
        if (contentType == null || !contentType.startsWith("multipart/form-data")) {
            throw new AssertionError("not multipart/form-data: " + contentType);
        }
        String boundary = contentType.substring(contentType.indexOf("boundary=") + 9).replace("\"", "");
        String all = new String(body, StandardCharsets.ISO_8859_1); // 1 char per byte
        String delim = "--" + boundary;
        Map<String, Part> parts = new LinkedHashMap<>();
        int pos = all.indexOf(delim);
        if (pos != 0) {
            throw new AssertionError("body does not start with the boundary");
        }
        while (true) {
            int start = pos + delim.length();
            if (all.startsWith("--", start)) {
                break;
            }
            if (!all.startsWith("\r\n", start)) {
                throw new AssertionError("no CRLF after boundary at " + start);
            }
            int headersEnd = all.indexOf("\r\n\r\n", start);
            String headers = all.substring(start + 2, headersEnd);
            int next = all.indexOf("\r\n" + delim, headersEnd + 4);
            if (next < 0) {
                throw new AssertionError("unterminated part");
            }
            byte[] data = new byte[next - (headersEnd + 4)];
            System.arraycopy(body, headersEnd + 4, data, 0, data.length);
            String name = null;
            String filename = null;
            String type = null;
            for (String h : headers.split("\r\n")) {
                String lower = h.toLowerCase();
                if (lower.startsWith("content-disposition:")) {
                    Matcher m = NAME.matcher(h);
                    name = m.find() ? m.group(1) : null;
                    Matcher f = FILENAME.matcher(h);
                    filename = f.find() ? f.group(1) : null;
                } else if (lower.startsWith("content-type:")) {
                    type = h.substring(13).strip();
                }
            }
            parts.put(name, new Part(name, filename, type, data));
            pos = next + 2;
        }
        return parts;
    }
}
