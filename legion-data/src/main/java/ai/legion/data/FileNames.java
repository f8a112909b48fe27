package ai.legion.data;

import java.nio.file.Path;
import java.util.Locale;

/** File-name helpers for paths as datasets write them ({@code /} or {@code \} separated, any case). */
public final class FileNames {

    private FileNames() {
    }

    /** The file name part of a written path ({@code /} or {@code \} separated, trailing separators ignored). */
    public static String baseName(String path) {
        String s = path.strip();
        int end = s.length();
        while (end > 0 && (s.charAt(end - 1) == '/' || s.charAt(end - 1) == '\\')) {
            end--;
        }
        int start = Math.max(s.lastIndexOf('/', end - 1), s.lastIndexOf('\\', end - 1)) + 1;
        return s.substring(start, end);
    }

    /** The name without its last extension; a leading dot does not start an extension. */
    public static String stem(String name) {
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    /** The last extension in lower case, without the dot; {@code ""} when there is none. */
    public static String extension(String name) {
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(dot + 1).toLowerCase(Locale.ROOT) : "";
    }

    /** A relative path with {@code /} separators on every platform (record ids). */
    public static String slashes(Path relative) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < relative.getNameCount(); i++) {
            if (i > 0) {
                sb.append('/');
            }
            sb.append(relative.getName(i));
        }
        return sb.toString();
    }
}
