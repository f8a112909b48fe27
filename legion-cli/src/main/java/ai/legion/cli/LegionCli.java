package ai.legion.cli;

import ai.legion.core.text.SafeText;
import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code legion} command line. */
@Command(name = "legion", mixinStandardHelpOptions = true, version = "legion 0.1.0",
        description = "LEGION for the JVM: synthetic-image artifact detection, localization and explanation.",
        subcommands = {AnalyzeCommand.class, InspectCommand.class, TrainCommand.class, RefineCommand.class, EvalCommand.class, DataCommand.class, ConvertCommand.class, TokenizerCommand.class, BenchCommand.class, SparkCommand.class,
            ServeCommand.class,
            CommandLine.HelpCommand.class})
public final class LegionCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "Show the libraries' log messages (DJL's engine and GPU probing); without it only warnings "
                    + "of "
                    + "this program and errors of the libraries are shown.")
    boolean verbose;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /**
     * Builds the command line with the project's exception handling (messages, not stack traces). Messages
     * quote file contents, server answers and arguments, so everything printed goes through {@link SafeText}.
     */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new LegionCli());
        cl.setUsageHelpAutoWidth(true); // wrap help at the terminal's width (80 columns when unknown)
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            printError(cmd.getErr(), cmd.getColorScheme(), "legion", ex);
            return exitCode(ex);
        });
        cl.setParameterExceptionHandler((ex, args) -> {
            // picocli's default handler, with the message escaped: it quotes arguments, which may be file names
            CommandLine cmd = ex.getCommandLine();
            PrintWriter err = cmd.getErr();
            err.println(cmd.getColorScheme().errorText(SafeText.forTerminalLine(ex.getMessage())));
            if (!CommandLine.UnmatchedArgumentException.printSuggestions(ex, err)) {
                cmd.usage(err, cmd.getColorScheme());
            }
            err.flush();
            return cmd.getCommandSpec().exitCodeOnInvalidInput();
        });
        return cl;
    }

    /** Exit code of a usage or input error: bad arguments, a missing or malformed file, a bad config value. */
    static final int EXIT_INPUT = 2;
    /** Exit code of a batch command some of whose items failed while the others were done and written. */
    static final int EXIT_PARTIAL = 3;

    /**
     * The exit code of a failure: {@link #EXIT_INPUT} for what the user can fix in the arguments or input files
     * (the project's input exceptions name the file, key or argument), 1 for anything else (a runtime failure).
     */
    static int exitCode(Throwable ex) {
        return ex instanceof IllegalArgumentException || ex instanceof ai.legion.core.io.CheckpointException
                || ex instanceof ai.legion.data.DatasetException
                || ex instanceof ai.legion.data.DatasetException.Unchecked
                || ex instanceof ai.legion.core.image.ImageException || ex instanceof java.nio.file.NoSuchFileException
                ? EXIT_INPUT : 1;
    }

    /**
     * Prints {@code prefix: message} of a failure on one line, escaped and cut by {@link SafeText}, and with
     * {@code -Dlegion.debug=true} the stack trace (escaped, not cut).
     */
    static void printError(PrintWriter err, CommandLine.Help.ColorScheme colors, String prefix, Throwable ex) {
        err.println(colors.errorText(prefix + ": " + SafeText.forTerminalLine(ex.getMessage())).toString());
        if (Boolean.getBoolean("legion.debug")) {
            StringWriter trace = new StringWriter();
            ex.printStackTrace(new PrintWriter(trace));
            err.print(SafeText.forTerminal(trace, SafeText.UNLIMITED));
        }
        err.flush();
    }

    public static void main(String[] args) {
        quietLibraries(java.util.Arrays.asList(args).contains("--verbose"));
        System.exit(commandLine().execute(args));
    }

    /**
     * Log levels of slf4j-simple, set before the first logger exists: DJL logs its engine set-up at INFO and, on a
     * machine without CUDA, "Failed to detect GPU count" at WARN on every run; a user sees them only with
     * {@code --verbose}. Levels already given as system properties win.
     */
    static void quietLibraries(boolean verbose) {
        System.getProperties().putIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", verbose ? "info" : "warn");
        if (!verbose) {
            System.getProperties().putIfAbsent("org.slf4j.simpleLogger.log.ai.djl", "error");
        }
        // legion serve's own lines (ready, stopping, one access-log line per request) are what an operator reads
        System.getProperties().putIfAbsent("org.slf4j.simpleLogger.log.ai.legion.serve", "info");
    }
}
