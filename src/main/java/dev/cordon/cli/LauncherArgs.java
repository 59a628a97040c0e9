package dev.cordon.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Arguments the launchers pass on a descriptor instead of the command line when there are many of
 * them (bin/cordon: a pipe; the package's /usr/bin/cordon: a deleted temporary file): the java
 * launcher joins its arguments into one system property (sun.java.command) with a strcat per
 * argument, which is quadratic (about 2 s for 100k rule options). The launcher then runs {@code cordon --launcher-args=FD} with the arguments
 * NUL-separated on that inherited descriptor, and they arrive here as if given directly.
 */
final class LauncherArgs {
    private LauncherArgs() {}

    static final String OPTION = "--launcher-args=";

    /** {@code args} as the user gave them: read from the descriptor when the launcher passed them that way. */
    static String[] expand(String[] args) {
        if (args.length != 1 || !args[0].startsWith(OPTION)) return args;
        String fd = args[0].substring(OPTION.length());
        if (!fd.matches("\\d{1,4}")) return args;
        try (InputStream in = Files.newInputStream(Path.of("/proc/self/fd", fd))) {
            return split(in.readAllBytes(), jnuCharset());
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the arguments the launcher passed on descriptor " + fd + ": " + e.getMessage(), e);
        }
    }

    /** NUL-terminated strings, decoded as the JVM decodes its command line. */
    static String[] split(byte[] raw, Charset charset) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] != 0) continue;
            out.add(new String(raw, start, i - start, charset));
            start = i + 1;
        }
        if (start < raw.length) throw new IllegalStateException("the launcher's arguments end without a NUL: cut short");
        return out.toArray(String[]::new);
    }

    private static Charset jnuCharset() {
        try {
            return Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"));
        } catch (RuntimeException e) {
            return Charset.defaultCharset();
        }
    }
}
