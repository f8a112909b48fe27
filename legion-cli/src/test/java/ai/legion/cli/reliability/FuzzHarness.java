package ai.legion.cli.reliability;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs fuzz cases one at a time on a worker thread, each under a deadline and an allocation cap, and sorts
 * their outcomes: a valid result, a rejection by one of the category's documented exceptions (with a message),
 * or a failure (anything else: an undocumented exception, an Error, a message-less exception, a case over its
 * deadline or its allocation cap). Cases are numbered; case {@code i} of a category gets the seed
 * {@code base + 1_000_003 * i + category hash}, so a failure names what reproduces it.
 */
final class FuzzHarness implements AutoCloseable {

    /** What one case does with its random source: build the input, feed it to the code under test. */
    interface Case {
        /** Builds and feeds one input; appends what the mutation was to {@code what} before feeding it. */
        void run(Random rnd, StringBuilder what) throws Exception;
    }

    /** Per-category counts. */
    record Tally(String category, int cases, Map<String, Integer> outcomes, long maxMillis, long maxAllocated,
            double seconds) {}

    private final long baseSeed;
    private final long deadlineMillis;
    private final long allocationCap;
    private final List<String> failures = new ArrayList<>();
    private final List<Tally> tallies = new ArrayList<>();
    private ExecutorService worker = newWorker();

    FuzzHarness(long baseSeed, long deadlineMillis, long allocationCap) {
        this.baseSeed = baseSeed;
        this.deadlineMillis = deadlineMillis;
        this.allocationCap = allocationCap;
    }

    private ExecutorService newWorker() {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fuzz-case");
            t.setDaemon(true);
            return t;
        });
    }

    /** The seed of case {@code index} of {@code category}. */
    long seed(String category, int index) {
        return baseSeed + 1_000_003L * index + category.hashCode();
    }

    /**
     * Runs {@code count} cases of a category.
     *
     * @param documented the exception types the code under test documents for bad input of this category
     * @param mustName text every rejection's message must contain (the input's file name), or null
     */
    Tally run(String category, int count, Case body, List<Class<? extends Throwable>> documented, String mustName) {
        Map<String, Integer> outcomes = new TreeMap<>();
        long maxMillis = 0;
        long maxAllocated = 0;
        long start = System.nanoTime();
        String slowest = "";
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (int i = 0; i < count; i++) {
            long seed = seed(category, i);
            StringBuilder what = new StringBuilder();
            long[] allocated = {0};
            Future<?> f = worker.submit(() -> {
                long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
                try {
                    body.run(new Random(seed), what);
                    return null;
                } finally {
                    allocated[0] = threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
                }
            });
            long t0 = System.nanoTime();
            String outcome;
            Throwable error = null;
            try {
                f.get(deadlineMillis, TimeUnit.MILLISECONDS);
                outcome = "valid";
            } catch (TimeoutException e) {
                f.cancel(true);
                fail(category, i, seed, what, "exceeded the " + deadlineMillis + " ms deadline", null);
                worker.shutdownNow(); // the stuck thread is abandoned (daemon); later cases get a new one
                worker = newWorker();
                outcome = "TIMEOUT";
            } catch (ExecutionException e) {
                error = e.getCause();
                outcome = "rejected: " + error.getClass().getSimpleName();
                boolean ok = false;
                for (Class<? extends Throwable> c : documented) {
                    ok |= c.isInstance(error);
                }
                if (!ok) {
                    fail(category, i, seed, what, "undocumented " + error, error);
                    outcome = "FAILED: " + error.getClass().getSimpleName();
                } else if (error.getMessage() == null || error.getMessage().isBlank()) {
                    fail(category, i, seed, what, "a " + error.getClass().getSimpleName() + " without a message",
                            error);
                    outcome = "FAILED: no message";
                } else if (mustName != null && !error.getMessage().contains(mustName)) {
                    fail(category, i, seed, what, "the message does not name " + mustName + ": " + error, error);
                    outcome = "FAILED: unnamed";
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
            long millis = (System.nanoTime() - t0) / 1_000_000;
            if (millis > maxMillis) {
                slowest = category + " case " + i + " (seed " + seed + ", " + what + ")";
            }
            maxMillis = Math.max(maxMillis, millis);
            maxAllocated = Math.max(maxAllocated, allocated[0]);
            if (allocated[0] > allocationCap) {
                fail(category, i, seed, what, "allocated " + (allocated[0] >> 20) + " MiB, over the cap of "
                        + (allocationCap >> 20) + " MiB", null);
            }
            outcomes.merge(outcome, 1, Integer::sum);
        }
        Tally t = new Tally(category, count, outcomes, maxMillis, maxAllocated, (System.nanoTime() - start) / 1e9);
        tallies.add(t);
        System.out.printf("fuzz %-20s %6d cases %5.1f s  max %4d ms  max alloc %4d MiB  %s%n", category, count,
                t.seconds(), maxMillis, maxAllocated >> 20, outcomes);
        System.out.printf("     slowest: %s%n", slowest);
        return t;
    }

    private void fail(String category, int index, long seed, CharSequence mutation, String what, Throwable error) {
        StringBuilder sb = new StringBuilder(category + " case " + index + " (seed " + seed + ", " + mutation + "): "
                + what);
        if (error != null) {
            StackTraceElement[] st = error.getStackTrace();
            for (int k = 0; k < Math.min(6, st.length); k++) {
                sb.append("\n    at ").append(st[k]);
            }
        }
        failures.add(sb.toString());
    }

    /** Failures so far, each naming its category, case number and seed. */
    List<String> failures() {
        return failures;
    }

    List<Tally> tallies() {
        return tallies;
    }

    @Override
    public void close() {
        worker.shutdownNow();
    }
}
