package ai.legion.serve;

import ai.legion.core.image.ImageException;
import ai.legion.core.image.ImageLoader;
import ai.legion.core.image.RgbImage;
import ai.legion.core.report.ArtifactReport;
import ai.legion.core.report.MaskImages;
import ai.legion.core.report.Overlay;
import ai.legion.core.report.ReportJson;
import ai.legion.core.text.SafeText;
import ai.legion.models.inference.LegionAnalyzer;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.config.SizeUnit;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.UploadedFile;
import io.javalin.http.staticfiles.Location;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An HTTP server over one shared analyzer: {@code POST /v1/analyze} takes an image (multipart field
 * {@code image}, or the raw bytes as the body) and answers the report of {@code docs/REPORT_SCHEMA.md} with the
 * addresses of its overlay and mask PNGs; {@code /health}, {@code /ready}, and a web page at {@code /}.
 *
 * <p>Requests wait in a bounded queue for a fixed number of workers that share the one analyzer (its calls are
 * thread-safe but share the CPU, so one worker is the default). A full queue answers 429, a server that is still
 * loading its model or is stopping answers 503, an upload over the byte limit 413, an image over the pixel limit
 * 400, and a request that is not answered within the timeout 504 (its analysis is abandoned at the next token).
 * Every error body is {@code {"error": "..."}}. {@link #close()} stops gracefully: new analyses are refused with
 * 503 while the queued and running ones finish, up to the shutdown deadline.
 *
 * <pre>{@code
 * try (LegionServer server = LegionServer.builder().analyzer(() -> Legion.analyzer().model(dir).build())
 *         .port(8080).build().start()) {
 *     server.awaitStop();
 * }
 * }</pre>
 */
public final class LegionServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LegionServer.class);
    /** One line per request: client, method, path, status, milliseconds. */
    private static final Logger ACCESS = LoggerFactory.getLogger("ai.legion.serve.access");
    /** Same escaping as the report writer: strings exact, terminal controls escaped. */
    private static final ObjectMapper JSON = new ObjectMapper(new JsonFactory().setCharacterEscapes(
            SafeText.jsonEscapes()));
    private static final Pattern RESULT_FILE = Pattern.compile("overlay\\.png|mask\\.png|artifact_\\d{2,4}\\.png"
            + "|report\\.json");
    private static final String WEB = "/ai/legion/serve/web";
    /** How long {@link #close()} waits for abandoned analyses to stop before leaving the model open. */
    private static final long ABANDON_WAIT_S = 30;

    private enum State { LOADING, READY, FAILED, STOPPING, STOPPED }

    private final Builder config;
    private final ImageLoader loader;
    private final ResultStore results;
    private final ThreadPoolExecutor workers;
    private final Javalin app;
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile State state = State.LOADING;
    private volatile String loadFailure;
    private volatile ImageAnalysis analysis;
    private volatile AutoCloseable model;
    /** Set when the shutdown deadline passed: running analyses stop at their next token. */
    private volatile boolean abandon;

    private LegionServer(Builder b) {
        this.config = b;
        this.loader = new ImageLoader(ImageLoader.Options.defaults().withMaxPixels(b.maxPixels));
        this.results = new ResultStore(b.resultBytes, b.resultTtl);
        AtomicInteger n = new AtomicInteger();
        this.workers = new ThreadPoolExecutor(b.workers, b.workers, 0, TimeUnit.MILLISECONDS,
                b.queue == 0 ? new SynchronousQueue<>() : new ArrayBlockingQueue<>(b.queue), r -> {
                    Thread t = new Thread(r, "legion-serve-worker-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        this.app = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.jetty.host = b.host;
            cfg.jetty.port = b.port;
            // multipart bodies stay in memory: they are at most maxBytes and at most queue + workers are kept
            cfg.jetty.multipartConfig.maxFileSize(b.maxBytes, SizeUnit.BYTES);
            cfg.jetty.multipartConfig.maxTotalRequestSize(b.maxBytes + 64 * 1024, SizeUnit.BYTES);
            cfg.jetty.multipartConfig.maxInMemoryFileSize((int) Math.min(Integer.MAX_VALUE, b.maxBytes),
                    SizeUnit.BYTES);
            cfg.http.maxRequestSize = b.maxBytes;
            // Jetty's graceful stop: connectors closed, then requests still being answered get this long
            cfg.jetty.modifyServer(server -> server.setStopTimeout(b.shutdownGrace.toMillis()));
            cfg.staticFiles.add(WEB, Location.CLASSPATH);
            cfg.requestLogger.http((ctx, ms) -> ACCESS.info("{} {} {} {} {} ms", ctx.ip(), ctx.method(),
                    SafeText.forTerminalLine(ctx.path()), ctx.statusCode(), Math.round(ms)));
            cfg.routes.get("/health", this::health);
            cfg.routes.get("/ready", this::ready);
            cfg.routes.post("/v1/analyze", this::analyze);
            cfg.routes.get("/v1/results/{id}", ctx -> json(ctx, 200, envelope(result(ctx))));
            cfg.routes.get("/v1/results/{id}/{file}", this::resultFile);
            cfg.routes.exception(ApiException.class, (e, ctx) -> error(ctx, e.status(), e.getMessage()));
            cfg.routes.exception(HttpResponseException.class, (e, ctx) -> error(ctx, e.getStatus(),
                    e.getStatus() == 404 ? "no such endpoint: " + ctx.method() + " " + ctx.path()
                            + " (see docs/SERVE.md)" : e.getMessage()));
            cfg.routes.exception(Exception.class, (e, ctx) -> {
                LOG.error("{} {} failed", ctx.method(), ctx.path(), e);
                error(ctx, 500, "internal error: " + e);
            });
        });
    }

    /** Settings of a server; {@link #analyzer} or {@link #analysis} is required. */
    public static final class Builder {
        private Callable<? extends ImageAnalysis> loader;
        private String host = "127.0.0.1";
        private int port = 8080;
        private int queue = 16;
        private int workers = 1;
        private long maxBytes = 20L << 20;
        private long maxPixels = 16L << 20;
        private Duration timeout = Duration.ofMinutes(5);
        private Duration shutdownGrace = Duration.ofSeconds(30);
        private Duration resultTtl = Duration.ofMinutes(10);
        private long resultBytes = 256L << 20;

        Builder() {}

        /**
         * Loads the analyzer in the background once the server has started ({@code /ready} answers 503 until then)
         * and closes it when the server stops.
         */
        public Builder analyzer(Callable<LegionAnalyzer> loader) {
            Objects.requireNonNull(loader, "loader");
            return analysis(() -> new Closing(loader.call()));
        }

        /**
         * Like {@link #analyzer}, for any {@link ImageAnalysis}; if it is {@link AutoCloseable} it is closed when the
         * server stops.
         */
        public Builder analysis(Callable<? extends ImageAnalysis> loader) {
            this.loader = Objects.requireNonNull(loader, "loader");
            return this;
        }

        /** The address to listen on (default 127.0.0.1; 0.0.0.0 for every interface). */
        public Builder host(String value) {
            this.host = Objects.requireNonNull(value, "host");
            return this;
        }

        /** The port (default 8080; 0 = any free port, see {@link LegionServer#port()}). */
        public Builder port(int value) {
            if (value < 0 || value > 65535) {
                throw new IllegalArgumentException("port must be in 0..65535, got " + value);
            }
            this.port = value;
            return this;
        }

        /** Requests that may wait for a worker (default 16); more are answered 429. 0 = none wait. */
        public Builder queue(int value) {
            if (value < 0) {
                throw new IllegalArgumentException("queue must not be negative, got " + value);
            }
            this.queue = value;
            return this;
        }

        /** Analyses run at once on the shared analyzer (default 1: they share the CPU anyway). */
        public Builder workers(int value) {
            if (value < 1) {
                throw new IllegalArgumentException("workers must be positive, got " + value);
            }
            this.workers = value;
            return this;
        }

        /** Largest accepted upload in bytes (default 20 MiB); larger ones are answered 413. */
        public Builder maxBytes(long value) {
            if (value < 1 || value > Integer.MAX_VALUE - 65536) {
                throw new IllegalArgumentException("maxBytes must be in 1.." + (Integer.MAX_VALUE - 65536) + ", got "
                        + value);
            }
            this.maxBytes = value;
            return this;
        }

        /** Largest accepted width x height (default 16 Mpx); larger images are answered 400. */
        public Builder maxPixels(long value) {
            if (value < 1 || value > RgbImage.MAX_PIXELS) {
                throw new IllegalArgumentException("maxPixels must be in 1.." + RgbImage.MAX_PIXELS + ", got " + value);
            }
            this.maxPixels = value;
            return this;
        }

        /** Longest a request waits for its analysis, queue included (default 5 min); then 504. */
        public Builder timeout(Duration value) {
            this.timeout = positive(value, "timeout");
            return this;
        }

        /** How long {@link LegionServer#close()} lets queued and running analyses finish (default 30 s). */
        public Builder shutdownGrace(Duration value) {
            this.shutdownGrace = positive(value, "shutdownGrace");
            return this;
        }

        /** How long the overlay and masks of a result stay fetchable (default 10 min). */
        public Builder resultTtl(Duration value) {
            this.resultTtl = positive(value, "resultTtl");
            return this;
        }

        /** Memory budget of the kept results (default 256 MiB); the least recently used go first. */
        public Builder resultBytes(long value) {
            if (value < 1) {
                throw new IllegalArgumentException("resultBytes must be positive, got " + value);
            }
            this.resultBytes = value;
            return this;
        }

        /** A server with these settings, not started. */
        public LegionServer build() {
            if (loader == null) {
                throw new IllegalArgumentException("LegionServer.builder(): analyzer(...) or analysis(...) is required");
            }
            return new LegionServer(this);
        }

        private static Duration positive(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, got " + d);
            }
            return d;
        }
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Listens on the port and starts loading the model in the background; {@link #whenReady()} completes once it
     * is loaded.
     *
     * @throws io.javalin.util.JavalinBindException if the port is taken
     */
    public LegionServer start() {
        app.start();
        LOG.info("listening on {} (loading the model)", url());
        Thread t = new Thread(this::load, "legion-serve-loader");
        t.setDaemon(true);
        t.start();
        return this;
    }

    private void load() {
        try {
            ImageAnalysis a = config.loader.call();
            synchronized (this) {
                if (state != State.LOADING) { // stopped while loading
                    closeQuietly(a);
                    return;
                }
                analysis = a;
                model = a instanceof AutoCloseable c ? c : null;
                state = State.READY;
            }
            LOG.info("ready at {}", url());
            ready.complete(null);
        } catch (Exception | Error e) {
            loadFailure = String.valueOf(e.getMessage() != null ? e.getMessage() : e);
            synchronized (this) {
                if (state == State.LOADING) {
                    state = State.FAILED;
                }
            }
            LOG.error("the model failed to load: {}", loadFailure, e);
            ready.completeExceptionally(e);
        }
    }

    /** The port listened on (the chosen one when built with port 0). */
    public int port() {
        return app.port();
    }

    /** {@code http://host:port}. */
    public String url() {
        String h = config.host.contains(":") ? "[" + config.host + "]" : config.host;
        return "http://" + ("0.0.0.0".equals(h) ? "127.0.0.1" : h) + ":" + port();
    }

    /** Completes when the model is loaded, exceptionally if loading failed. */
    public CompletionStage<Void> whenReady() {
        return ready.minimalCompletionStage();
    }

    /** Blocks until {@link #close()} has finished (e.g. from a shutdown hook). */
    public void awaitStop() throws InterruptedException {
        try {
            stopped.get();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /**
     * Stops gracefully: {@code /ready} and new analyses answer 503 at once; queued and running analyses finish and
     * are answered within the shutdown grace; what is still running then is abandoned (answered 503); then the
     * listener closes and the model is released. Safe to call more than once.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (state == State.STOPPING || state == State.STOPPED) {
                return;
            }
            state = State.STOPPING;
        }
        long deadline = System.nanoTime() + config.shutdownGrace.toNanos();
        LOG.info("stopping: {} analyses queued or running, up to {} s to finish", inFlight.get(),
                config.shutdownGrace.toSeconds());
        workers.shutdown();
        try {
            if (!workers.awaitTermination(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) {
                abandon = true;
                for (Runnable r : workers.shutdownNow()) {
                    ((Job) r).future.completeExceptionally(new ApiException(503, "the server stopped before this "
                            + "image was analyzed"));
                }
                // an abandoned analysis stops at its next token; one stuck longer keeps the model (closing it under a
                // running analysis would pull native memory from under it): the process's exit releases it then
                if (!workers.awaitTermination(ABANDON_WAIT_S, TimeUnit.SECONDS)) {
                    LOG.warn("an analysis did not stop within {} s of being abandoned; the model is not closed",
                            ABANDON_WAIT_S);
                    model = null;
                }
            }
            // answers completed by the workers may still be on their way out: wait until none is in flight
            while (inFlight.get() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            app.stop();
            closeQuietly(model);
            state = State.STOPPED;
            stopped.complete(null);
            LOG.info("stopped");
        }
    }

    private static void closeQuietly(Object o) {
        if (o instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.warn("closing the model failed: {}", e.toString());
            }
        }
    }

    /** A loaded {@link LegionAnalyzer} as the server's analysis, closed with the server. */
    private record Closing(LegionAnalyzer analyzer) implements ImageAnalysis, AutoCloseable {
        @Override
        public ArtifactReport analyze(RgbImage image, String source, java.util.function.BooleanSupplier cancelled) {
            return ImageAnalysis.of(analyzer).analyze(image, source, cancelled);
        }

        @Override
        public void close() {
            analyzer.close();
        }
    }

    // ---- handlers ----

    /** 200 while the process is up, with the queue's state (for operators and load tests). */
    private void health(Context ctx) {
        json(ctx, 200, JSON.createObjectNode().put("status", "up").put("ready", state == State.READY)
                .put("queued", workers.getQueue().size()).put("running", workers.getActiveCount())
                .put("queue_capacity", config.queue).put("workers", config.workers));
    }

    private void ready(Context ctx) {
        if (state == State.READY) {
            json(ctx, 200, JSON.createObjectNode().put("status", "ready"));
        } else {
            error(ctx, 503, notReady());
        }
    }

    private String notReady() {
        return switch (state) {
            case LOADING -> "the model is still loading; retry when GET /ready answers 200";
            case FAILED -> "the model failed to load: " + loadFailure;
            case STOPPING, STOPPED -> "the server is shutting down";
            case READY -> throw new IllegalStateException("ready");
        };
    }

    private void analyze(Context ctx) {
        if (state != State.READY) {
            drain(ctx);
            throw new ApiException(503, notReady());
        }
        long timeoutMs = requestTimeoutMs(ctx);
        // refuse before keeping the body: a full queue must not cost an upload's memory
        if (workers.getQueue().remainingCapacity() == 0 && workers.getActiveCount() >= config.workers) {
            drain(ctx);
            throw queueFull();
        }
        long declared = contentLength(ctx);
        if (declared > config.maxBytes + (ctx.isMultipartFormData() ? 64 * 1024 : 0)) {
            throw tooLarge(declared);
        }
        Upload upload = ctx.isMultipartFormData() ? multipart(ctx) : raw(ctx);
        ImageHeader header = ImageHeader.read(upload.bytes, upload.name);
        if (header.pixels() > config.maxPixels) {
            throw new ApiException(400, upload.name + ": the " + header.format() + " image is " + header.width() + "x"
                    + header.height() + " = " + header.pixels() + " pixels, more than this server's limit of "
                    + config.maxPixels + " pixels (max-pixels)");
        }
        Job job = new Job(upload);
        inFlight.incrementAndGet();
        try {
            workers.execute(job);
        } catch (RejectedExecutionException e) {
            inFlight.decrementAndGet();
            throw state == State.READY ? queueFull() : new ApiException(503, notReady());
        }
        CompletableFuture<ResultStore.Result> answer = job.future.orTimeout(timeoutMs, TimeUnit.MILLISECONDS);
        ctx.future(() -> answer.handle((result, failure) -> {
            try {
                if (failure == null) {
                    json(ctx, 200, envelope(result));
                } else {
                    Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                            ? failure.getCause() : failure;
                    if (cause instanceof TimeoutException) {
                        workers.remove(job); // a job that timed out while queued gives its place back at once
                        error(ctx, 504, upload.name + ": no answer within the timeout of " + timeoutMs
                                + " ms (queue wait included); the analysis was abandoned");
                    } else if (cause instanceof ApiException api) {
                        error(ctx, api.status(), api.getMessage());
                    } else {
                        LOG.error("{}: analysis failed", SafeText.forTerminalLine(upload.name), cause);
                        error(ctx, 500, upload.name + ": analysis failed: " + cause);
                    }
                }
                return null;
            } finally {
                inFlight.decrementAndGet();
            }
        }));
    }

    /** The server's timeout, or the shorter one a client asks for with {@code ?timeout_ms=N}. */
    private long requestTimeoutMs(Context ctx) {
        long max = config.timeout.toMillis();
        String asked = ctx.queryParam("timeout_ms");
        if (asked == null) {
            return max;
        }
        try {
            long ms = Long.parseLong(asked.strip());
            if (ms >= 1) {
                return Math.min(ms, max);
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new ApiException(400, "timeout_ms must be a whole number of milliseconds from 1 to " + max + ", got "
                + asked);
    }

    /**
     * Reads and discards the body (up to the byte limit) before an early refusal. An answer sent while the client is
     * still sending makes Jetty close the connection, and a client whose write then fails may never read the answer
     * (seen as "header parser received no bytes" under load); reading costs time, not memory.
     */
    private void drain(Context ctx) {
        try (InputStream in = ctx.bodyInputStream()) {
            byte[] buffer = new byte[16 * 1024];
            long left = config.maxBytes + 64 * 1024;
            for (int n; left > 0 && (n = in.read(buffer, 0, (int) Math.min(buffer.length, left))) > 0; ) {
                left -= n;
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("discarding a refused request's body failed: {}", e.toString());
        }
    }

    /** The declared body length, -1 if none (chunked) or unreadable (the bounded read decides then). */
    private static long contentLength(Context ctx) {
        String value = ctx.header("Content-Length");
        try {
            return value == null ? -1 : Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private ApiException queueFull() {
        return new ApiException(429, "the queue is full (" + config.queue + " waiting, " + config.workers
                + " running); retry later");
    }

    private ApiException tooLarge(long bytes) {
        return new ApiException(413, "the upload is " + (bytes >= 0 ? bytes + " bytes" : "larger")
                + ", more than this server's limit of " + config.maxBytes + " bytes (max-bytes)");
    }

    private record Upload(String name, byte[] bytes) {}

    private Upload multipart(Context ctx) {
        UploadedFile file;
        try {
            // the field "image" (what the web page sends), else the first file of the form
            file = ctx.uploadedFile("image");
            if (file == null) {
                List<UploadedFile> files = ctx.uploadedFiles();
                file = files.isEmpty() ? null : files.get(0);
            }
        } catch (Exception e) { // Javalin passes the servlet API's checked exceptions through unchanged
            // Jetty's parser refuses a part or body over the limits with an IllegalStateException ("max file size
            // exceeded: N", "max length exceeded"), wrapped in a 400 "bad multipart" and a ServletException
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof IllegalStateException && String.valueOf(t.getMessage()).contains("exceeded")) {
                    throw tooLarge(-1);
                }
            }
            throw new ApiException(400, "cannot read the multipart body: " + e.getMessage());
        }
        if (file == null) {
            throw new ApiException(400, "the multipart body has no file; send the image in the field \"image\"");
        }
        if (file.size() > config.maxBytes) {
            throw tooLarge(file.size());
        }
        try (InputStream in = file.content()) {
            String name = file.filename() == null || file.filename().isBlank() ? "upload" : file.filename();
            return new Upload(baseName(name), in.readAllBytes());
        } catch (IOException e) {
            throw new ApiException(400, "cannot read the uploaded file: " + e.getMessage());
        }
    }

    private Upload raw(Context ctx) {
        try (InputStream in = ctx.bodyInputStream()) {
            byte[] bytes = in.readNBytes((int) config.maxBytes + 1);
            if (bytes.length > config.maxBytes) {
                throw tooLarge(-1);
            }
            String name = ctx.queryParam("name");
            return new Upload(name == null || name.isBlank() ? "upload" : baseName(name), bytes);
        } catch (IOException e) {
            throw new ApiException(400, "cannot read the request body: " + e.getMessage());
        }
    }

    /** The file name without any folder a browser or client put in front of it. */
    private static String baseName(String name) {
        String n = name.substring(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
        return n.isEmpty() ? "upload" : n;
    }

    /** One accepted upload: decoded, analyzed and rendered by a worker. */
    private final class Job implements Runnable {
        final Upload upload;
        final CompletableFuture<ResultStore.Result> future = new CompletableFuture<>();

        Job(Upload upload) {
            this.upload = upload;
        }

        @Override
        public void run() {
            if (future.isDone()) { // timed out while queued
                return;
            }
            try {
                RgbImage image = loader.load(new ByteArrayInputStream(upload.bytes), upload.name);
                ArtifactReport report = analysis.analyze(image, upload.name, () -> abandon || future.isDone());
                byte[] overlay = png(Overlay.render(image.toBufferedImage(), report));
                future.complete(results.put(report, overlay));
            } catch (ImageException e) {
                future.completeExceptionally(new ApiException(e.kind() == ImageException.Kind.TIMEOUT ? 504 : 400,
                        e.getMessage()));
            } catch (CancellationException e) {
                future.completeExceptionally(new ApiException(503, "the server stopped before the analysis of "
                        + upload.name + " finished"));
            } catch (RuntimeException | OutOfMemoryError e) {
                future.completeExceptionally(e);
            }
        }
    }

    private ResultStore.Result result(Context ctx) {
        String id = ctx.pathParam("id");
        return results.get(id).orElseThrow(() -> new ApiException(404, "no result " + id + " (results are kept "
                + results.ttl().toSeconds() + " s and within " + (results.maxBytes() >> 20)
                + " MiB, least recently used first out; analyze the image again)"));
    }

    private void resultFile(Context ctx) {
        String file = ctx.pathParam("file");
        if (!RESULT_FILE.matcher(file).matches()) {
            throw new ApiException(404, "no file " + file + " in a result: overlay.png, mask.png, artifact_NN.png or "
                    + "report.json");
        }
        ResultStore.Result r = result(ctx);
        ArtifactReport report = r.report();
        if (file.equals("report.json")) {
            ctx.status(200).contentType("application/json").result(ReportJson.toJson(report, false));
            return;
        }
        byte[] png;
        if (file.equals("overlay.png")) {
            png = r.overlayPng();
        } else if (file.equals(MaskImages.UNION_FILE)) {
            png = MaskImages.encodePng(report.union());
        } else {
            int k = Integer.parseInt(file.substring("artifact_".length(), file.length() - ".png".length()));
            if (k >= report.artifacts().size()) {
                throw new ApiException(404, "result " + r.id() + " has " + report.artifacts().size()
                        + " artifacts, no " + file);
            }
            png = MaskImages.encodePng(report.artifacts().get(k).mask());
        }
        ctx.status(200).contentType("image/png").header("Cache-Control", "private, max-age="
                + results.ttl().toSeconds()).result(png);
    }

    /** The answer of an analysis: its id, where its images are, and the report itself. */
    private ObjectNode envelope(ResultStore.Result r) {
        String base = "/v1/results/" + r.id() + "/";
        ObjectNode root = JSON.createObjectNode();
        root.put("id", r.id());
        root.put("overlay", base + "overlay.png");
        root.put("mask", base + MaskImages.UNION_FILE);
        ArrayNode masks = root.putArray("artifact_masks");
        ArrayNode colors = root.putArray("artifact_colors"); // as the overlay draws them, for legends
        for (int k = 0; k < r.report().artifacts().size(); k++) {
            masks.add(base + MaskImages.artifactFileName(k));
            colors.add(String.format("#%06x", Overlay.colorOf(k) & 0xFFFFFF));
        }
        root.put("expires_in_s", results.ttl().toSeconds());
        root.set("report", ReportJson.toTree(r.report()));
        return root;
    }

    private static byte[] png(BufferedImage image) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 * 1024);
        try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new IllegalStateException("PNG encoding to memory failed", e);
        }
        return bytes.toByteArray();
    }

    private static void json(Context ctx, int status, ObjectNode body) {
        try {
            ctx.status(status).contentType("application/json").result(JSON.writeValueAsString(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of plain nodes always serializes", e);
        }
    }

    private static void error(Context ctx, int status, String message) {
        json(ctx, status, JSON.createObjectNode().put("error", message));
    }
}
