package ai.legion.refine.server;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/** A {@code multipart/form-data} body (RFC 7578) built in memory. */
final class Multipart {

    private final String boundary = "legion-" + UUID.randomUUID().toString().replace("-", "");
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** A text field. */
    Multipart field(String name, String value) {
        head("Content-Disposition: form-data; name=\"" + quote(name) + "\"\r\n");
        bytes("\r\n");
        bytes(value);
        bytes("\r\n");
        return this;
    }

    /** A file field. */
    Multipart file(String name, String filename, String contentType, byte[] data) {
        head("Content-Disposition: form-data; name=\"" + quote(name) + "\"; filename=\"" + quote(filename) + "\"\r\n"
                + "Content-Type: " + contentType + "\r\n");
        bytes("\r\n");
        out.writeBytes(data);
        bytes("\r\n");
        return this;
    }

    /** The finished body. */
    byte[] body() {
        ByteArrayOutputStream copy = new ByteArrayOutputStream(out.size() + 64);
        copy.writeBytes(out.toByteArray());
        copy.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        return copy.toByteArray();
    }

    /** The Content-Type header value. */
    String contentType() {
        return "multipart/form-data; boundary=" + boundary;
    }

    private void head(String disposition) {
        bytes("--" + boundary + "\r\n");
        bytes(disposition);
    }

    private void bytes(String s) {
        out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String quote(String s) {
        return s.replace("\\", "\\\\").replace("\"", "%22").replace("\r", "%0D").replace("\n", "%0A");
    }
}
