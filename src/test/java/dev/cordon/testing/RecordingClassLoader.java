package dev.cordon.testing;

import java.io.File;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A class loader that defines every class of the test class path itself (the JDK's come from the platform
 * loader) and notes each one's name: code run through it shows which of cordon's and its libraries' classes
 * it loaded, e.g. that no OpenTelemetry or Prometheus class is loaded while those features are off.
 */
public final class RecordingClassLoader extends URLClassLoader {
    private final Set<String> defined = ConcurrentHashMap.newKeySet();

    public RecordingClassLoader() throws MalformedURLException {
        super(classPath(), ClassLoader.getPlatformClassLoader());
    }

    /** The names of the classes defined so far. */
    public Set<String> defined() {
        return Set.copyOf(defined);
    }

    private static URL[] classPath() throws MalformedURLException {
        String[] entries = System.getProperty("java.class.path").split(File.pathSeparator);
        URL[] urls = new URL[entries.length];
        for (int i = 0; i < entries.length; i++) urls[i] = new File(entries[i]).toURI().toURL();
        return urls;
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
        Class<?> c = super.findClass(name);
        defined.add(name);
        return c;
    }
}
