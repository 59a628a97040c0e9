package dev.cordon.cli;

import dev.cordon.events.Escape;
import dev.cordon.session.CordonException;
import dev.cordon.session.SessionGc;
import dev.cordon.sys.Capabilities;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

@Command(name = "gc", mixinStandardHelpOptions = true,
        description = "Clean up after cordon processes that died (SIGKILL, a crash): kill what their commands left "
                + "running, remove their cgroups, pinned programs and session records. Sessions of running cordon "
                + "processes are left alone.",
        footer = {"", "Exit status: 0 if nothing was left or everything was cleaned, 1 if something could not be "
                + "cleaned (the message says what), 125 if not root or the state cannot be read."})
final class GcCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--dry-run", description = "Only list what would be cleaned; change nothing.")
    boolean dryRun;

    /** Seams for tests: the collector and the privilege check. */
    Supplier<SessionGc> gcFactory = SessionGc::live;
    BooleanSupplier privileged = () -> Capabilities.current().canRunSessions();

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!privileged.getAsBoolean()) {
            err.println("cordon: cordon gc needs root (CAP_SYS_ADMIN: it kills processes and removes cgroups and pins); try: sudo cordon gc");
            return ExitCodes.CORDON_FAILED;
        }
        SessionGc gc = gcFactory.get();
        SessionGc.Scan scan;
        try {
            scan = gc.scan();
        } catch (IOException | RuntimeException e) {
            err.println("cordon: gc: cannot look for leftover sessions: " + Escape.visible(String.valueOf(e.getMessage())));
            return ExitCodes.CORDON_FAILED;
        }
        scan.live().forEach(l -> out.println(Escape.visible(l)));
        scan.notes().forEach(n -> err.println("cordon: gc: " + Escape.visible(n)));
        int failed = 0;
        for (SessionGc.Leftover l : scan.orphans()) {
            if (dryRun) {
                out.println("would clean " + Escape.visible(SessionGc.describe(l)));
                continue;
            }
            try {
                out.println("cleaning session " + l.name() + " (" + Escape.visible(l.why()) + ")");
                for (String step : gc.clean(l)) out.println("  " + Escape.visible(step));
            } catch (CordonException e) {
                failed++;
                err.println("cordon: gc: session " + l.name() + ": " + Escape.visible(e.getMessage()));
            }
        }
        if (scan.orphans().isEmpty()) out.println("nothing to clean");
        else if (dryRun) out.println(scan.orphans().size() + " session(s) to clean; run cordon gc without --dry-run to clean them");
        out.flush();
        err.flush();
        return failed == 0 ? ExitCodes.OK : ExitCodes.GC_FAILED;
    }
}
