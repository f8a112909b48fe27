package ai.legion.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code legion} command line. */
@Command(name = "legion", mixinStandardHelpOptions = true, version = "legion 0.1.0",
        description = "LEGION for the JVM: synthetic-image artifact detection, localization and explanation.",
        subcommands = {AnalyzeCommand.class, InspectCommand.class, TrainCommand.class, RefineCommand.class, EvalCommand.class, DataCommand.class, ConvertCommand.class, TokenizerCommand.class, BenchCommand.class,
            CommandLine.HelpCommand.class})
public final class LegionCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Builds the command line with the project's exception handling (messages, not stack traces). */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new LegionCli());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println(cmd.getColorScheme().errorText("legion: " + ex.getMessage()));
            if (Boolean.getBoolean("legion.debug")) {
                ex.printStackTrace(cmd.getErr());
            }
            // 2: bad arguments or unreadable input; 1: anything else that failed
            return ex instanceof IllegalArgumentException || ex instanceof ai.legion.core.io.CheckpointException ? 2 : 1;
        });
        return cl;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
