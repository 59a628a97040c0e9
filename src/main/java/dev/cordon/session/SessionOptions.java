package dev.cordon.session;

import dev.cordon.dns.DnsService;
import dev.cordon.policy.IpPolicy;
import dev.cordon.policy.Mode;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Everything one {@code cordon run} needs.
 *
 * @param eventsFile JSON Lines of every attempt, or null
 * @param dns        the DNS proxy's options, or null to leave DNS alone (IP rules only)
 * @param allowRawSockets let the command create raw inet sockets in enforce mode
 */
public record SessionOptions(List<String> command, IpPolicy policy, Mode mode, Path eventsFile,
                             CommandLauncher.Stdio stdio, DnsService.Options dns, boolean allowRawSockets) {
    public SessionOptions(List<String> command, IpPolicy policy, Mode mode, Path eventsFile, CommandLauncher.Stdio stdio) {
        this(command, policy, mode, eventsFile, stdio, null, false);
    }

    public SessionOptions(List<String> command, IpPolicy policy, Mode mode, Path eventsFile, CommandLauncher.Stdio stdio,
                          DnsService.Options dns) {
        this(command, policy, mode, eventsFile, stdio, dns, false);
    }

    public SessionOptions {
        command = List.copyOf(command);
        if (command.isEmpty()) throw new IllegalArgumentException("no command");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(stdio, "stdio");
    }
}
