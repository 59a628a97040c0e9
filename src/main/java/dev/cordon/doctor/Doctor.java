package dev.cordon.doctor;

import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs checks in order and turns each into one row. A check that throws (libbpf missing, an
 * unreadable /proc file, a bug) becomes a FAIL row; nothing escapes as a stack trace.
 */
public final class Doctor {
    private final List<Check> checks;

    public Doctor(List<Check> checks) {
        Set<String> seen = new HashSet<>();
        for (Check c : checks) {
            for (String need : c.needs()) {
                if (!seen.contains(need)) {
                    throw new IllegalArgumentException(c.name() + " needs " + need + ", which is not an earlier check");
                }
            }
            if (!seen.add(c.name())) throw new IllegalArgumentException("two checks named " + c.name());
        }
        this.checks = List.copyOf(checks);
    }

    /** The checks {@code cordon doctor} runs. */
    public static Doctor standard(HostFacts host, BpfProbes bpf) {
        return new Doctor(Checks.standard(host, bpf));
    }

    public List<Check> checks() {
        return checks;
    }

    public List<Result> run() {
        List<Result> results = new ArrayList<>(checks.size());
        Map<String, Status> done = new HashMap<>();
        for (Check c : checks) {
            Result r = runOne(c, done);
            done.put(c.name(), r.status());
            results.add(r);
        }
        return List.copyOf(results);
    }

    private static Result runOne(Check c, Map<String, Status> done) {
        for (String need : c.needs()) {
            Status s = done.get(need);
            if (s == Status.FAIL || s == Status.SKIP) {
                return new Result(Status.SKIP, c.name(), "skipped: needs " + need);
            }
        }
        try {
            return Result.of(c.name(), c.body().run());
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable t) {
            return new Result(Status.FAIL, c.name(), describe(t));
        }
    }

    /** One line for a failure: the root cause's message (class initialisers wrap the real error). */
    static String describe(Throwable t) {
        Throwable cause = t;
        while (cause.getCause() != null && cause.getCause() != cause
                && (cause instanceof ExceptionInInitializerError || cause instanceof NoClassDefFoundError
                    || cause instanceof InvocationTargetException || cause.getMessage() == null
                    || cause.getMessage().equals(cause.getCause().toString()))) { // new X(cause) adds nothing
            cause = cause.getCause();
        }
        if (cause instanceof java.nio.file.FileSystemException f) { // its message is only the path
            String why = f instanceof java.nio.file.NoSuchFileException ? "no such file"
                    : f instanceof java.nio.file.AccessDeniedException ? "permission denied"
                    : f.getReason() != null ? f.getReason() : f.getClass().getSimpleName();
            return "cannot read " + f.getFile() + ": " + why;
        }
        String message = cause.getMessage();
        if (message == null || message.isBlank()) return cause.getClass().getName();
        // A class whose initialiser failed before reports later uses as NoClassDefFoundError, caused by
        // a copy of the first error that keeps only its text: "Exception java.lang.X: msg [in thread "main"]".
        Matcher m = RECORDED_INIT_ERROR.matcher(message);
        if (cause instanceof ExceptionInInitializerError && m.matches()) {
            String type = m.group(1);
            return EXPECTED.stream().anyMatch(c -> c.getName().equals(type))
                    ? m.group(2) : type.substring(type.lastIndexOf('.') + 1) + ": " + m.group(2);
        }
        Throwable c = cause;
        return EXPECTED.stream().anyMatch(e -> e.isInstance(c)) ? message : cause.getClass().getSimpleName() + ": " + message;
    }

    private static final Pattern RECORDED_INIT_ERROR = Pattern.compile("Exception ([\\w.$]+): (.*) \\[in thread \".*\"\\]", Pattern.DOTALL);

    /** Failures whose message already says what went wrong; others keep their class name (a bug, probably). */
    private static final List<Class<? extends Throwable>> EXPECTED = List.of(java.io.IOException.class,
            java.io.UncheckedIOException.class, UnsatisfiedLinkError.class, dev.cordon.libbpf.BpfException.class);

    /** cordon can run if no check failed. */
    public static boolean canRun(List<Result> results) {
        return results.stream().noneMatch(r -> r.status() == Status.FAIL);
    }

    /** Aligned rows: status, name, detail. Details are reduced to one printable line. */
    public static List<String> format(List<Result> results) {
        int width = results.stream().mapToInt(r -> r.name().length()).max().orElse(0) + 2;
        int statusWidth = 6;
        List<String> lines = new ArrayList<>(results.size());
        for (Result r : results) {
            StringBuilder sb = new StringBuilder();
            sb.append(r.status().label).repeat(' ', statusWidth - r.status().label.length());
            sb.append(r.name()).repeat(' ', width - r.name().length());
            sb.append(printable(r.detail()));
            lines.add(sb.toString().stripTrailing());
        }
        return lines;
    }

    /** The last line: the verdict for the whole host. */
    public static String summary(List<Result> results) {
        long failed = results.stream().filter(r -> r.status() == Status.FAIL).count();
        long warned = results.stream().filter(r -> r.status() == Status.WARN).count();
        if (failed > 0) {
            return "cordon cannot run on this host: fix the FAIL " + (failed == 1 ? "row" : "rows") + " above.";
        }
        return "cordon can run on this host" + (warned == 0 ? "." : " (" + warned + (warned == 1 ? " warning)." : " warnings)."));
    }

    /** Host data (mount points, kernel strings, exception text) may hold control characters: one line, no escapes. */
    static String printable(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        s.codePoints().forEach(c -> {
            if (c == '\n' || c == '\r' || c == '\t') sb.append(' ');
            else if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || Character.getType(c) == Character.FORMAT) sb.append('?');
            else sb.appendCodePoint(c);
        });
        return sb.toString();
    }
}
