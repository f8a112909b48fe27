package ai.legion.cli;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code legion bench serve}: many concurrent analyze requests against a running {@code legion serve}. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        header = "Load a running legion serve with concurrent analyze requests.",
        description = {"Sends --requests POST /v1/analyze requests of one image, --concurrency at a time (all at "
                + "once by default), and prints how many got each status, how many were lost (no answer, connection "
                + "error or client timeout) and latency percentiles per status. With --pid it also prints the "
                + "server process's peak resident memory (VmHWM of /proc/PID/status, Linux).",
            "Exit code: 0 = every request answered 200, 429 or 503; 1 = some were lost or answered otherwise."})
final class ServeBenchmark implements Callable<Integer> {

    @Option(names = "--url", defaultValue = "http://127.0.0.1:8080",
            description = "The server (default ${DEFAULT-VALUE}).")
    String url;

    @Option(names = "--image", required = true, paramLabel = "FILE", description = "Image sent in every request.")
    Path image;

    @Option(names = "--requests", defaultValue = "200", description = "Requests in all (default ${DEFAULT-VALUE}).")
    int requests;

    @Option(names = "--concurrency", defaultValue = "200",
            description = "Requests in flight at once (default ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--client-timeout", defaultValue = "900", paramLabel = "SECONDS",
            description = "Give up on an answer after this long; counted as lost (default ${DEFAULT-VALUE}).")
    long clientTimeout;

    @Option(names = "--pid", description = "The server's process id, to read its peak resident memory.")
    Long pid;

    private record Outcome(int status, double ms, String error) {}

    @Override
    public Integer call() throws Exception {
        if (requests < 1 || concurrency < 1) {
            throw new IllegalArgumentException("--requests and --concurrency must be positive");
        }
        byte[] bytes = Files.readAllBytes(image);
        String name = image.getFileName().toString();
        URI target = URI.create(url.replaceAll("/+$", "") + "/v1/analyze?name="
                + java.net.URLEncoder.encode(name, java.nio.charset.StandardCharsets.UTF_8));
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(pool)
                .connectTimeout(Duration.ofSeconds(30)).build();
        CountDownLatch start = new CountDownLatch(1);
        List<CompletableFuture<Outcome>> all = new ArrayList<>();
        java.util.concurrent.Semaphore slots = new java.util.concurrent.Semaphore(concurrency);
        ExecutorService senders = Executors.newFixedThreadPool(Math.min(concurrency, 256));
        long t0 = System.nanoTime();
        for (int i = 0; i < requests; i++) {
            all.add(CompletableFuture.supplyAsync(() -> {
                try {
                    start.await();
                    slots.acquire();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return new Outcome(-1, 0, "interrupted");
                }
                long s = System.nanoTime();
                try {
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(target)
                            .timeout(Duration.ofSeconds(clientTimeout)).header("Content-Type", "application/octet-stream")
                            .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)).build(),
                            HttpResponse.BodyHandlers.ofString());
                    boolean complete = r.statusCode() != 200 || r.body().contains("\"report\"");
                    return new Outcome(r.statusCode(), (System.nanoTime() - s) / 1e6,
                            complete ? null : "200 without a report");
                } catch (IOException | InterruptedException e) {
                    return new Outcome(-1, (System.nanoTime() - s) / 1e6, e.toString());
                } finally {
                    slots.release();
                }
            }, senders));
        }
        start.countDown();
        List<Outcome> outcomes = all.stream().map(CompletableFuture::join).toList();
        double wall = (System.nanoTime() - t0) / 1e9;
        senders.shutdown();
        pool.shutdown();

        Map<Integer, List<Double>> byStatus = new TreeMap<>();
        int lost = 0;
        int unexpected = 0;
        for (Outcome o : outcomes) {
            if (o.status < 0 || o.error != null) {
                lost++;
                if (lost <= 5) {
                    System.out.println("lost: " + o.error);
                }
                continue;
            }
            byStatus.computeIfAbsent(o.status, k -> new ArrayList<>()).add(o.ms);
            if (o.status != 200 && o.status != 429 && o.status != 503) {
                unexpected++;
            }
        }
        System.out.printf("%d requests, %d at a time, %.1f s wall%n", requests, concurrency, wall);
        for (Map.Entry<Integer, List<Double>> e : byStatus.entrySet()) {
            double[] ms = e.getValue().stream().mapToDouble(Double::doubleValue).sorted().toArray();
            System.out.printf("  %d: %d  latency ms p50 %.0f  p90 %.0f  p99 %.0f  max %.0f%n", e.getKey(), ms.length,
                    pct(ms, 50), pct(ms, 90), pct(ms, 99), ms[ms.length - 1]);
        }
        System.out.printf("  lost: %d%n", lost);
        if (pid != null) {
            System.out.println("  server " + pid + ": " + memory(pid));
        }
        return lost == 0 && unexpected == 0 ? 0 : 1;
    }

    /** Nearest-rank percentile of sorted values. */
    static double pct(double[] sorted, double p) {
        int rank = (int) Math.ceil(p / 100 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    private static String memory(long pid) throws IOException {
        List<String> lines = Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"));
        return String.join(", ", lines.stream().filter(l -> l.startsWith("VmHWM") || l.startsWith("VmRSS"))
                .map(l -> l.replaceAll("\\s+", " ")).toList());
    }
}
