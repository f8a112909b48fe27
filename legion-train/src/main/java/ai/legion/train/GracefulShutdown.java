package ai.legion.train;

import ai.legion.core.io.CheckpointException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Lets a training loop end between two steps when the JVM is asked to exit (SIGTERM, Ctrl-C), instead of in the
 * middle of one. At exit the JVM runs its shutdown hooks and then libtorch's static destructors, while other
 * threads keep running: a step still inside a native backward then crashes the process (SIGSEGV in
 * {@code at::accelerator::getAccelerator}, measured on DJL 0.36 / libtorch 2.7.1). With this guard the hook
 * only raises a flag and waits; the loop sees it after the step it is in, writes its checkpoint and hands over with
 * {@link #parkForExit}, and the JVM exits with no native call in flight. A resumed run continues from that
 * checkpoint.
 */
final class GracefulShutdown implements AutoCloseable {

    /** How long the hook waits for the current step (and the checkpoint) before the JVM exits anyway. */
    static final Duration WAIT = Duration.ofMinutes(10);

    private final CountDownLatch handedOver = new CountDownLatch(1);
    private final String what;
    private final Thread hook;
    private volatile boolean requested;

    /** Registers the hook; {@code what} names the run in the message printed when the hook fires. */
    GracefulShutdown(String what) {
        this.what = what;
        hook = new Thread(() -> {
            requested = true;
            System.err.println(what + ": stopping after the current step (the JVM is exiting)");
            try {
                if (!handedOver.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                    System.err.println(what + ": the current step did not end within " + WAIT.toMinutes()
                            + " min; exiting anyway");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "legion-graceful-shutdown");
        boolean registered;
        try {
            Runtime.getRuntime().addShutdownHook(hook);
            registered = true;
        } catch (IllegalStateException e) { // the JVM is already exiting: stop before the first step
            registered = false;
        }
        requested = !registered;
    }

    /** Whether the JVM is exiting: the loop should stop at the end of its current step. */
    boolean requested() {
        return requested;
    }

    /** Writes a checkpoint. */
    interface Save {
        void save() throws CheckpointException;
    }

    /**
     * Ends the run between steps while the JVM exits: {@code save} (unless {@code checkpointDir} is null, or this
     * step is checkpointed already), a line saying where to resume, then {@link #parkForExit}. Never returns.
     */
    void stopAt(long step, Path checkpointDir, boolean saved, Save save) throws CheckpointException {
        if (checkpointDir != null && !saved) {
            save.save();
        }
        System.err.println(what + ": stopped at step " + step + (checkpointDir == null ? " (no checkpoint_dir: "
                + "nothing saved)" : "; rerun the same command to resume from " + checkpointDir));
        parkForExit();
    }

    /**
     * Lets the JVM exit and never returns: call it from the training thread, between steps, after saving what a
     * resume needs. The thread waits here until the process ends.
     */
    void parkForExit() {
        handedOver.countDown();
        while (true) {
            try {
                Thread.sleep(Long.MAX_VALUE);
            } catch (InterruptedException e) {
                // the process is ending; keep this thread out of native code until it does
            }
        }
    }

    /** Removes the hook (the loop ended by itself), or releases it if it is already waiting. */
    @Override
    public void close() {
        handedOver.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is exiting: the hook runs and returns at once
        }
    }
}
