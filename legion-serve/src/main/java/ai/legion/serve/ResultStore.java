package ai.legion.serve;

import ai.legion.core.report.ArtifactReport;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

/**
 * The finished analyses whose overlay and masks can still be fetched: least recently used first out once their
 * approximate size passes the budget, and each gone after the time to live.
 */
final class ResultStore {

    /** One finished analysis: the report and its overlay, rendered once by the worker. */
    record Result(String id, ArtifactReport report, byte[] overlayPng) {

        /** Bytes held: the overlay, and the masks as run lengths (a generous 64 bytes per row and mask). */
        int weight() {
            long masks = (long) (report.artifacts().size() + 1) * report.imageHeight() * 64L;
            return (int) Math.min(Integer.MAX_VALUE, overlayPng.length + masks + 4096);
        }
    }

    private final Cache<String, Result> cache;
    private final Duration ttl;
    private final long maxBytes;

    ResultStore(long maxBytes, Duration ttl) {
        this.maxBytes = maxBytes;
        this.ttl = ttl;
        this.cache = Caffeine.newBuilder().maximumWeight(maxBytes).weigher((String id, Result r) -> r.weight())
                .expireAfterWrite(ttl).build();
    }

    /** Keeps a new result under a fresh random id (unguessable, so one client cannot list another's results). */
    Result put(ArtifactReport report, byte[] overlayPng) {
        Result r = new Result(UUID.randomUUID().toString(), report, overlayPng);
        cache.put(r.id(), r);
        return r;
    }

    Optional<Result> get(String id) {
        return Optional.ofNullable(cache.getIfPresent(id));
    }

    Duration ttl() {
        return ttl;
    }

    long maxBytes() {
        return maxBytes;
    }
}
