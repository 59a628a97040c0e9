package dev.cordon.report.model;

import java.util.regex.Pattern;

/**
 * What a report says about the file a process ran beside its command line. Reports show the
 * executable where the command line does not already name it: {@code exec -a innocent curl}, a
 * symlink called {@code innocent}, or an interpreter behind another name ({@code sh} running dash).
 */
public final class Executables {
    private Executables() {}

    /** The last component of a path or command word: {@code curl} for {@code /usr/bin/curl}. */
    public static String baseName(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /**
     * The executable, when the command line's first word does not name its program; else null (also
     * when it is unknown). The word names it when the file names are equal, or the file's is the
     * word with a version after it ({@code python3} for {@code python3.11}, {@code gcc} for
     * {@code gcc-12}). A deleted file's " (deleted)" makes them differ: worth saying.
     */
    public static String unlessNamed(String cmd, String exe) {
        if (exe == null || exe.isEmpty()) return null;
        String word = baseName(cmd == null ? "" : cmd.strip().split("\\s+", 2)[0]);
        String file = baseName(exe);
        boolean named = !word.isEmpty() && file.startsWith(word) && VERSION.matcher(file.substring(word.length())).matches();
        return named ? null : exe;
    }

    /** What may follow a program's name in its file's: nothing, or a version ({@code .11}, {@code 3.11}, {@code -12}). */
    private static final Pattern VERSION = Pattern.compile("([.-]?[0-9][0-9.]*)?");
}
