package ai.legion.cli;

import ai.legion.serve.LegionServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code legion serve}: the HTTP API and web page over one loaded model. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        header = "Serve the model over HTTP: an API for applications and a web page at /.",
        description = {"Loads the model once and answers POST /v1/analyze (an image as multipart field \"image\" or as "
                + "the raw body) with the report JSON of docs/REPORT_SCHEMA.md plus the addresses of its overlay and "
                + "mask PNGs; GET /health, GET /ready, and a web page at / where an image can be dropped. The port "
                + "listens at once; /ready answers 200 when the model is loaded.",
            "Requests beyond the running and queued ones are answered 429, uploads over --max-bytes 413, images over "
                + "--max-pixels 400, requests not answered within --timeout 504; errors are {\"error\": \"...\"}. "
                + "Ctrl-C or SIGTERM stops gracefully: new analyses get 503 while the accepted ones finish, for up "
                + "to --shutdown-grace seconds. See docs/SERVE.md."})
final class ServeCommand implements Callable<Integer> {

    @Option(names = "--model", paramLabel = "DIR",
            description = {"GLaMM/LEGION checkpoint folder. Default: the demo model bundled with the repository "
                    + "(examples/demo-model)."})
    Path model;

    @Mixin
    ModelOptions load;

    @Option(names = "--host", defaultValue = "127.0.0.1",
            description = "Address to listen on; 0.0.0.0 for every interface (default ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "Port; 0 = any free one (default ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--queue", defaultValue = "16",
            description = "Requests that may wait for a worker; more are answered 429 (default ${DEFAULT-VALUE}).")
    int queue;

    @Option(names = "--workers", defaultValue = "1",
            description = "Analyses run at once on the one model; they share the CPU (default ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--max-bytes", defaultValue = "20971520",
            description = "Largest upload in bytes; larger ones are answered 413 (default ${DEFAULT-VALUE}).")
    long maxBytes;

    @Option(names = "--max-pixels", defaultValue = "16777216",
            description = "Largest width x height; larger images are answered 400 (default ${DEFAULT-VALUE}).")
    long maxPixels;

    @Option(names = "--timeout", defaultValue = "300", paramLabel = "SECONDS",
            description = "Longest a request waits for its analysis, queue included; then 504 (default "
                    + "${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Option(names = "--shutdown-grace", defaultValue = "30", paramLabel = "SECONDS",
            description = "How long a stop lets accepted analyses finish (default ${DEFAULT-VALUE}).")
    long graceSeconds;

    @Option(names = "--result-ttl", defaultValue = "600", paramLabel = "SECONDS",
            description = "How long a result's overlay and masks stay fetchable (default ${DEFAULT-VALUE}).")
    long ttlSeconds;

    @Option(names = "--result-memory", defaultValue = "256", paramLabel = "MIB",
            description = "Memory for kept results; the least recently used go first (default ${DEFAULT-VALUE}).")
    long resultMib;

    @Override
    public Integer call() throws Exception {
        if (model == null) {
            model = DemoModel.folder();
        } else if (!Files.exists(model)) {
            throw new IllegalArgumentException("--model " + model + ": no such folder");
        }
        if (load.clip != null && !Files.isDirectory(load.clip)) {
            throw new IllegalArgumentException("--clip " + load.clip + ": no such folder");
        }
        LegionServer server = LegionServer.builder().analyzer(() -> load.analyzer(model).build()).host(host).port(port)
                .queue(queue).workers(workers).maxBytes(maxBytes).maxPixels(maxPixels)
                .timeout(Duration.ofSeconds(timeoutSeconds)).shutdownGrace(Duration.ofSeconds(graceSeconds))
                .resultTtl(Duration.ofSeconds(ttlSeconds)).resultBytes(resultMib << 20).build();
        java.io.PrintWriter err = spec.commandLine().getErr();
        server.start();
        Thread stop = new Thread(server::close, "legion-serve-stop");
        Runtime.getRuntime().addShutdownHook(stop);
        err.println("legion serve: listening on " + server.url() + " (loading the model from " + model + ")");
        err.flush();
        try {
            server.whenReady().toCompletableFuture().get();
        } catch (ExecutionException e) {
            // a server that can never become ready is of no use: stop, and exit as for a model that cannot load
            server.close();
            Runtime.getRuntime().removeShutdownHook(stop);
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
        err.println("legion serve: ready; open " + server.url() + "/ in a browser");
        err.flush();
        server.awaitStop();
        return 0;
    }

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;
}
