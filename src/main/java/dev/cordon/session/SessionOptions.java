package dev.cordon.session;

import dev.cordon.dns.DnsService;
import dev.cordon.otlp.OtlpSettings;
import dev.cordon.policy.IpPolicy;
import dev.cordon.policy.Limits;
import dev.cordon.policy.Mode;
import dev.cordon.policy.OutagePlan;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Everything one {@code cordon run} needs.
 *
 * @param eventsFile JSON Lines of every attempt, or null
 * @param dns        the DNS proxy's options, or null to leave DNS alone (IP rules only)
 * @param allowRawSockets let the command create raw inet sockets in enforce mode
 * @param outage     what to rehearse as down (--simulate-outage); {@link OutagePlan#NONE} for nothing
 * @param report     what to report and how to exit
 * @param containment cgroup namespace, dropped capabilities and user of the command
 * @param limits     memory, CPU and process caps of the session ({@link Limits#NONE}: none)
 */
public record SessionOptions(List<String> command, IpPolicy policy, Mode mode, Path eventsFile,
                             CommandLauncher.Stdio stdio, DnsService.Options dns, boolean allowRawSockets,
                             OutagePlan outage, Reporting report, Containment containment, Limits limits) {
    /**
     * @param failOnViolation exit {@link #EXIT_VIOLATION} when anything was blocked or audited, even if the command succeeded
     * @param summary         print the end-of-run summary on stderr
     * @param reports         --report files (format by extension)
     * @param policyFile      the --policy file, for the record, or null
     * @param otlp            where to send OpenTelemetry logs and metrics, or null
     * @param scriptLines     name the bash script line behind each attempt (a uprobe on bash; --no-script-lines turns it off)
     */
    public record Reporting(boolean failOnViolation, boolean summary, List<Path> reports, String policyFile, OtlpSettings otlp,
                            boolean scriptLines) {
        public static final Reporting DEFAULT = new Reporting(false, true, List.of(), null, null, true);

        public Reporting {
            reports = List.copyOf(reports);
        }
    }

    /** cordon run's exit status under --fail-on-violation when the run had a violation. */
    public static final int EXIT_VIOLATION = 120;

    /** IP rules only: no DNS proxy, the defaults for everything else. */
    public SessionOptions(List<String> command, IpPolicy policy, Mode mode, Path eventsFile, CommandLauncher.Stdio stdio) {
        this(command, policy, mode, eventsFile, stdio, null);
    }

    /** With the DNS proxy (or null) and its outage plan; the defaults for everything else. */
    public SessionOptions(List<String> command, IpPolicy policy, Mode mode, Path eventsFile, CommandLauncher.Stdio stdio,
                          DnsService.Options dns) {
        this(command, policy, mode, eventsFile, stdio, dns, false, dns == null ? OutagePlan.NONE : dns.outage(),
                Reporting.DEFAULT, Containment.DEFAULT, Limits.NONE);
    }

    public SessionOptions {
        command = List.copyOf(command);
        if (command.isEmpty()) throw new IllegalArgumentException("no command");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(stdio, "stdio");
        Objects.requireNonNull(outage, "outage");
        Objects.requireNonNull(report, "report");
        Objects.requireNonNull(containment, "containment");
        Objects.requireNonNull(limits, "limits");
        if (outage.active() && dns == null) throw new IllegalArgumentException("--simulate-outage needs the DNS proxy");
    }
}
