package ai.legion.refine.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * A response body collected up to a cap. A success body above the cap is an error (the answer would be
 * incomplete JSON or image data), refused before reading when its {@code Content-Length} says so; an error
 * status's body is only wanted for a message, so it is cut at the cap and the rest is never read. Stopping
 * cancels the subscription, which makes the JDK client close the connection instead of draining it.
 */
final class CappedBody implements HttpResponse.BodySubscriber<byte[]> {

    /** A success response larger than the cap. */
    static final class TooLarge extends IOException {
        private static final long serialVersionUID = 1L;
        final int status;

        TooLarge(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    private final long cap;
    private final boolean failAboveCap;
    private final int status;
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private volatile Flow.Subscription subscription;
    private volatile boolean truncated;
    private long received;

    private CappedBody(long cap, boolean failAboveCap, int status) {
        this.cap = cap;
        this.failAboveCap = failAboveCap;
        this.status = status;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        if (result.isDone()) {
            s.cancel();
        } else {
            s.request(Long.MAX_VALUE);
        }
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
        if (result.isDone()) {
            return;
        }
        for (ByteBuffer b : items) {
            int n = b.remaining();
            if (received + n > cap) {
                if (failAboveCap) {
                    stop(new TooLarge(status, "sent more than " + size(cap) + ", the response cap (maxResponseBytes);"
                            + " stopped reading"));
                    return;
                }
                copy(b, (int) (cap - received));
                truncated = true;
                Flow.Subscription s = subscription;
                if (s != null) {
                    s.cancel();
                }
                result.complete(bytes.toByteArray());
                return;
            }
            copy(b, n);
        }
    }

    private void copy(ByteBuffer b, int n) {
        byte[] chunk = new byte[n];
        b.get(chunk);
        bytes.write(chunk, 0, n);
        received += n;
    }

    @Override
    public void onError(Throwable t) {
        result.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
        result.complete(bytes.toByteArray());
    }

    @Override
    public CompletionStage<byte[]> getBody() {
        return result;
    }

    /** Stops reading and fails the body with {@code why}. */
    void stop(IOException why) {
        result.completeExceptionally(why);
        Flow.Subscription s = subscription;
        if (s != null) {
            s.cancel();
        }
    }

    static String size(long n) {
        return n % (1L << 20) == 0 ? (n >> 20) + " MiB" : n + " bytes";
    }

    /** Makes a {@link CappedBody} per response and can abort the one in progress (deadline, interrupt). */
    static final class Handler implements HttpResponse.BodyHandler<byte[]> {
        private final long maxResponseBytes;
        private volatile CappedBody current;
        private volatile boolean cancelled;

        Handler(long maxResponseBytes) {
            this.maxResponseBytes = maxResponseBytes;
        }

        @Override
        public HttpResponse.BodySubscriber<byte[]> apply(HttpResponse.ResponseInfo info) {
            int status = info.statusCode();
            boolean success = status >= 200 && status < 300;
            CappedBody body = success ? new CappedBody(maxResponseBytes, true, status)
                    : new CappedBody(HttpSupport.ERROR_BODY_BYTES, false, status);
            current = body;
            long declared = info.headers().firstValueAsLong("Content-Length").orElse(-1);
            if (success && declared > maxResponseBytes) {
                body.stop(new TooLarge(status, "declares Content-Length " + declared + ", above the response cap of "
                        + size(maxResponseBytes) + " (maxResponseBytes); not read"));
            } else if (cancelled) {
                body.stop(new IOException("cancelled"));
            }
            return body;
        }

        /** Whether the body in hand was cut at the error-body cap. */
        boolean truncated() {
            CappedBody b = current;
            return b != null && b.truncated;
        }

        /** Aborts the exchange: the body being read is failed and its connection closed. */
        void cancel() {
            cancelled = true;
            CappedBody b = current;
            if (b != null) {
                b.stop(new IOException("cancelled"));
            }
        }
    }
}
