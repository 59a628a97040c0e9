package dev.cordon.cli;

import dev.cordon.doctor.BpfProbes;
import dev.cordon.doctor.Doctor;
import dev.cordon.doctor.HostFacts;
import dev.cordon.doctor.Result;
import dev.cordon.libbpf.LibBpfLog;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.BiConsumer;
import java.util.function.Function;

@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = "Check that this host can run cordon; one row per check, exit 0 only if it can.",
        footer = {"",
                "Rows: ok; warn (cordon runs, but fix it when you can); FAIL (cordon cannot",
                "run until it is fixed); skip (not checked: a check it needs failed).",
                "Every warn and FAIL row says what to do. The last check loads cordon's own",
                "BPF programs, so this kernel's verifier judges them.",
                "",
                "Exit status: 0 if cordon can run on this host, 1 if any check failed."})
final class DoctorCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--debug", description = "Print libbpf's log (including verifier output) on stderr.")
    boolean debug;

    /** The seam tests replace to run the doctor on a made-up host; gets the libbpf log sink. */
    Function<BiConsumer<LibBpfLog.Level, String>, Doctor> doctorFactory =
            log -> Doctor.standard(HostFacts.live(), BpfProbes.live(log));

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        BiConsumer<LibBpfLog.Level, String> log = (level, line) -> {};
        if (debug) {
            log = (level, line) -> {
                err.println("cordon: debug: libbpf: " + level.name().toLowerCase(Locale.ROOT) + ": " + line);
                err.flush();
            };
        }
        List<Result> results = doctorFactory.apply(log).run();
        Doctor.format(results).forEach(out::println);
        out.println(Doctor.summary(results));
        out.flush();
        return Doctor.canRun(results) ? ExitCodes.OK : ExitCodes.DOCTOR_FAILED;
    }
}
