package org.dflib.jjava.jupyter.kernel;

import org.dflib.jjava.jupyter.channels.ShellReplyEnvironment;

/**
 * Attaches a reply environment to a kernel's IO, as JJava's shell handler does for each execute request; the
 * method is package-private in jjava-jupyter, hence this class in its package (test code only).
 */
public final class JupyterIoAttach {

    private JupyterIoAttach() {}

    /** Routes {@code io}'s display stream (display and update_display messages) to {@code env}. */
    public static void attach(JupyterIO io, ShellReplyEnvironment env) {
        io.setEnv(env);
    }
}
