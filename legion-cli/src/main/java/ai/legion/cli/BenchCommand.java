package ai.legion.cli;

import picocli.CommandLine.Command;

/** {@code legion bench ...}: benchmarks that print figures. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks (figures go to docs/PERFORMANCE.md).",
        subcommands = {IoBenchmark.class, ForwardBenchmark.class, AnalyzeBenchmark.class, DataBenchmark.class,
            ServeBenchmark.class, CheckpointBenchmark.class})
final class BenchCommand implements Runnable {

    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }
}
