package ai.legion.notebook;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import jdk.jshell.execution.LoaderDelegate;
import jdk.jshell.spi.ExecutionControl;

/**
 * The class loaders of a JJava kernel, rebuilt for tests: the kernel's own classes (JJava's protocol library,
 * {@code org.dflib.jjava.*}) come from the kernel, everything else only from the notebooks' class path (what
 * install-kernel.sh puts in {@code JJAVA_CLASSPATH}: legion-notebook's classes and {@code target/classpath.txt}),
 * never from the test class path, so a dependency missing from the kernelspec fails here as it would in Jupyter.
 */
final class KernelClassLoaders {

    private KernelClassLoaders() {}

    /** legion-notebook's classes and runtime class path, as install-kernel.sh lists them. */
    static List<Path> notebookClassPath() {
        Path module = Path.of(System.getProperty(LegionHome.PROPERTY, "..")).resolve("legion-notebook/target");
        Path listed = module.resolve("classpath.txt");
        List<Path> out = new ArrayList<>();
        out.add(module.resolve("classes"));
        try {
            for (String entry : Files.readString(listed).strip().split(File.pathSeparator)) {
                if (!entry.isBlank()) {
                    out.add(Path.of(entry));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(listed + " (written by mvn compile of legion-notebook) cannot be read", e);
        }
        return out;
    }

    /**
     * The loader of the notebooks' libraries: their class path over a parent that sees the JDK and, from the
     * kernel, {@code org.dflib.jjava.*} only. One per JVM: a native library (libtorch) binds to one loader.
     */
    static ClassLoader libraries(List<Path> classPath) {
        List<URL> urls = new ArrayList<>();
        for (Path p : classPath) {
            try {
                urls.add(p.toUri().toURL());
            } catch (MalformedURLException e) {
                throw new IllegalArgumentException("class path entry " + p, e);
            }
        }
        return new URLClassLoader("notebook-libraries", urls.toArray(URL[]::new), new KernelOnly());
    }

    /** Delegates {@code org.dflib.jjava.*} to the kernel (the test's loader), everything else to the JDK. */
    private static final class KernelOnly extends ClassLoader {
        private final ClassLoader kernel = KernelClassLoaders.class.getClassLoader();

        KernelOnly() {
            super("kernel", ClassLoader.getPlatformClassLoader());
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (name.startsWith("org.dflib.jjava.")) {
                return kernel.loadClass(name);
            }
            return super.loadClass(name, resolve);
        }
    }

    /**
     * JShell's loader of one notebook's snippet classes, over the libraries (as JJava's {@code JJavaLoaderDelegate}
     * keeps the snippets' byte codes and defines them on demand).
     */
    static final class Snippets implements LoaderDelegate {
        private final Map<String, byte[]> declared = new ConcurrentHashMap<>();
        private final Loader loader;

        Snippets(ClassLoader libraries) {
            loader = new Loader(libraries);
        }

        ClassLoader loader() {
            return loader;
        }

        @Override
        public void load(ExecutionControl.ClassBytecodes[] cbcs) throws ExecutionControl.ClassInstallException {
            boolean[] installed = new boolean[cbcs.length];
            for (int i = 0; i < cbcs.length; i++) {
                declared.put(cbcs[i].name(), cbcs[i].bytecodes());
            }
            for (int i = 0; i < cbcs.length; i++) {
                try {
                    loader.loadClass(cbcs[i].name());
                } catch (ClassNotFoundException | LinkageError e) {
                    throw new ExecutionControl.ClassInstallException("cannot load " + cbcs[i].name() + ": " + e,
                            installed);
                }
                installed[i] = true;
            }
        }

        @Override
        public void classesRedefined(ExecutionControl.ClassBytecodes[] cbcs) {
            for (ExecutionControl.ClassBytecodes c : cbcs) {
                declared.put(c.name(), c.bytecodes());
            }
        }

        @Override
        public void addToClasspath(String path) throws ExecutionControl.InternalException {
            // the libraries' loader already holds the notebook class path; JShell's compiler gets it separately
        }

        @Override
        public Class<?> findClass(String name) throws ClassNotFoundException {
            return loader.loadClass(name);
        }

        private final class Loader extends ClassLoader {
            Loader(ClassLoader parent) {
                super("notebook-snippets", parent);
            }

            @Override
            protected Class<?> findClass(String name) throws ClassNotFoundException {
                byte[] b = declared.get(name);
                if (b == null) {
                    throw new ClassNotFoundException(name);
                }
                return defineClass(name, b, 0, b.length);
            }
        }
    }
}
