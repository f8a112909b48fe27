package ai.legion.notebook;

import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import jdk.jshell.Diag;
import jdk.jshell.EvalException;
import jdk.jshell.JShell;
import jdk.jshell.JShellException;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import jdk.jshell.UnresolvedReferenceException;
import jdk.jshell.execution.DirectExecutionControl;
import jdk.jshell.execution.LoaderDelegate;
import jdk.jshell.spi.ExecutionControl;
import jdk.jshell.spi.ExecutionControlProvider;
import jdk.jshell.spi.ExecutionEnv;
import org.dflib.jjava.jupyter.channels.ShellReplyEnvironment;
import org.dflib.jjava.jupyter.kernel.BaseKernel;
import org.dflib.jjava.jupyter.kernel.JupyterIO;
import org.dflib.jjava.jupyter.kernel.JupyterIoAttach;
import org.dflib.jjava.jupyter.kernel.LanguageInfo;
import org.dflib.jjava.jupyter.kernel.ReplacementOptions;
import org.dflib.jjava.jupyter.kernel.comm.CommManager;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;
import org.dflib.jjava.jupyter.kernel.display.Renderer;
import org.dflib.jjava.jupyter.kernel.magic.MagicsRegistry;
import org.dflib.jjava.jupyter.kernel.util.StringStyler;
import org.dflib.jjava.jupyter.messages.ContentType;
import org.dflib.jjava.jupyter.messages.publish.PublishDisplayData;
import org.dflib.jjava.jupyter.messages.publish.PublishUpdateDisplayData;

/**
 * A notebook kernel for tests: JJava's kernel base class (renderer, extensions loaded through
 * {@code META-INF/services}, the notebook statics {@code display}/{@code updateDisplay}) over an in-process JShell,
 * as JJava evaluates cells (JJava's {@code CodeEvaluator}: split a cell into complete snippets, evaluate each in
 * order, the value of the last expression is the cell's result, rendered by the kernel's renderer). What the
 * kernel would publish to Jupyter ({@code display_data}, {@code update_display_data}) is recorded.
 */
final class NotebookKernel extends BaseKernel implements AutoCloseable {

    /** JJava's start-up imports (jjava-distro {@code NotebookInitializer}), minus its JJava-only statics. */
    static final String STARTUP = String.join("\n", "import java.util.*;", "import java.io.*;", "import java.math.*;",
            "import java.net.*;", "import java.time.*;", "import java.util.concurrent.*;", "import java.util.prefs.*;",
            "import java.util.regex.*;", "import static org.dflib.jjava.jupyter.kernel.BaseNotebookStatics.*;");

    /** One message the kernel published: a display or an update of one. */
    record Published(boolean update, DisplayData data) {}

    private final JShell shell;
    private final KernelClassLoaders.Snippets snippets;
    private final ValueCapturingControl control;
    private final List<Published> published = new ArrayList<>();

    /**
     * A kernel whose JShell compiles against {@code classPath} and loads classes through {@code libraries} (see
     * {@link KernelClassLoaders}); extensions are found on that class path, as JJava finds them on
     * {@code JJAVA_CLASSPATH}.
     */
    NotebookKernel(List<Path> classPath, ClassLoader libraries) {
        super("legion-notebook-test", "1", new LanguageInfo.Builder("Java").fileExtension(".jshell").build(), List.of(),
                null, new JupyterIO(StandardCharsets.UTF_8), new CommManager(), new Renderer(), null,
                new MagicsRegistry(), true, new StringStyler.Builder().build());
        snippets = new KernelClassLoaders.Snippets(libraries);
        control = new ValueCapturingControl(snippets);
        shell = JShell.builder().executionEngine(new Provider(control), Map.of()).build();
        for (Path entry : classPath) {
            shell.addToClasspath(entry.toString());
        }
        JupyterIoAttach.attach(io, new RecordingEnvironment(published));
        onStartup();
        evalRaw(STARTUP);
    }

    /** JJava loads extensions and runs snippets in JShell's class loader; so does this kernel. */
    @Override
    protected ClassLoader getClassLoader() {
        return snippets.loader();
    }

    /** What the kernel published since it started. */
    List<Published> published() {
        return List.copyOf(published);
    }

    /**
     * Evaluates a cell; returns the value of its last snippet when that is an expression, else null.
     *
     * @throws CellException on a compile error (with javac's diagnostics) or an exception the code threw
     */
    @Override
    public Object evalRaw(String source) {
        SourceCodeAnalysis analysis = shell.sourceCodeAnalysis();
        SourceCodeAnalysis.CompletionInfo info = analysis.analyzeCompletion(source);
        Object result = null;
        while (info.completeness().isComplete()) {
            result = evalSnippet(info.source());
            info = analysis.analyzeCompletion(info.remaining());
        }
        if (info.completeness() != SourceCodeAnalysis.Completeness.EMPTY) {
            throw new CellException("incomplete code: " + info.remaining().trim());
        }
        return result;
    }

    private Object evalSnippet(String code) {
        control.lastValue = null;
        // JJava runs snippets with JShell's loader as the context loader (JJavaLoaderDelegate); ServiceLoader users
        // such as DJL's Engine depend on it
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(snippets.loader());
        List<SnippetEvent> events;
        try {
            events = shell.eval(code);
        } finally {
            thread.setContextClassLoader(previous);
        }
        Object value = null;
        for (SnippetEvent e : events) {
            if (e.causeSnippet() != null) {
                continue;
            }
            JShellException ex = e.exception();
            if (ex != null) {
                throw new CellException(describe(ex) + "\n  in: " + code.strip(), ex);
            }
            if (!e.status().isDefined()) {
                String diags = shell.diagnostics(e.snippet()).map(d -> message(d)).collect(Collectors.joining("\n"));
                throw new CellException("does not compile (" + e.status() + "):\n" + diags + "\n  in: " + code.strip());
            }
            Snippet.SubKind kind = e.snippet().subKind();
            if (kind == Snippet.SubKind.VAR_VALUE_SUBKIND || kind == Snippet.SubKind.OTHER_EXPRESSION_SUBKIND
                    || kind == Snippet.SubKind.TEMP_VAR_EXPRESSION_SUBKIND) {
                value = control.lastValue;
            }
        }
        return value;
    }

    private static String message(Diag d) {
        return "  " + d.getMessage(Locale.ROOT) + " (at " + d.getPosition() + ")";
    }

    private static String describe(JShellException ex) {
        if (ex instanceof EvalException ee) {
            StringBuilder sb = new StringBuilder(ee.getExceptionClassName()).append(": ").append(ee.getMessage());
            for (StackTraceElement el : ee.getStackTrace()) {
                sb.append("\n    at ").append(el);
            }
            for (Throwable c = ee.getCause(); c != null; c = c.getCause()) {
                sb.append("\n  caused by ").append(c instanceof EvalException ce ? ce.getExceptionClassName() : c)
                        .append(": ").append(c.getMessage());
            }
            return sb.toString();
        }
        if (ex instanceof UnresolvedReferenceException ure) {
            return "unresolved reference: " + ure.getSnippet().source();
        }
        return ex.toString();
    }

    @Override
    public DisplayData inspect(String code, int at, boolean extraDetail) {
        return null; // no documentation lookup in tests: null is the kernel's "nothing found"
    }

    @Override
    public ReplacementOptions complete(String code, int at) {
        return null; // no completion in tests: null is the kernel's "no options"
    }

    @Override
    public String isComplete(String code) {
        SourceCodeAnalysis.Completeness c = shell.sourceCodeAnalysis().analyzeCompletion(code).completeness();
        return c.isComplete() ? IS_COMPLETE_YES : c == SourceCodeAnalysis.Completeness.DEFINITELY_INCOMPLETE
                ? IS_COMPLETE_MAYBE : IS_COMPLETE_BAD;
    }

    @Override
    public void close() {
        try {
            onShutdown(false);
        } finally {
            shell.close();
        }
    }

    /** A compile error or an exception of a cell. */
    static final class CellException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        CellException(String message) {
            super(message);
        }

        CellException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * In-process execution that keeps the value of the last expression (JShell's own controls keep only its
     * string form), as JJava's {@code JJavaExecutionControl} does.
     */
    private static final class ValueCapturingControl extends DirectExecutionControl {
        private Object lastValue;

        ValueCapturingControl(LoaderDelegate loader) {
            super(loader);
        }

        @Override
        protected String invoke(Method doitMethod) throws Exception {
            Object value = doitMethod.invoke(null);
            lastValue = value;
            return valueString(value);
        }
    }

    private record Provider(ExecutionControl control) implements ExecutionControlProvider {
        @Override
        public String name() {
            return "legion-notebook-test";
        }

        @Override
        public ExecutionControl generate(ExecutionEnv env, Map<String, String> parameters) {
            return control;
        }
    }

    /** Records display messages instead of sending them over Jupyter's IOPub socket. */
    private static final class RecordingEnvironment extends ShellReplyEnvironment {
        private final List<Published> sink;

        RecordingEnvironment(List<Published> sink) {
            super(null, null, null, null);
            this.sink = sink;
        }

        @Override
        public <T extends ContentType<T>> void publish(T content) {
            if (content instanceof PublishDisplayData d) {
                sink.add(new Published(false, d));
            } else if (content instanceof PublishUpdateDisplayData u) {
                sink.add(new Published(true, u));
            }
        }
    }
}
