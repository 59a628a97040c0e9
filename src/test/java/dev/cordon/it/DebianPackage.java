package dev.cordon.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The Debian package the build made (bin/package: target/cordon_VERSION_amd64.deb) and what dpkg
 * knows of it on this host. apt-get waits for dpkg's lock, which another apt-get on this host may hold.
 */
record DebianPackage(Path deb, String version) {
    static final String NAME = "cordon";
    private static final Duration APT_TIMEOUT = Duration.ofMinutes(5);

    /** The package of this build's version (failsafe's cordon.version is the pom's). */
    static DebianPackage built() {
        String pomVersion = System.getProperty("cordon.version");
        if (pomVersion == null || pomVersion.isBlank()) throw new AssertionError("system property cordon.version is not set (failsafe sets it)");
        String version = pomVersion.replace('-', '~'); // as bin/package makes a Debian version of it
        Path deb = Host.cordonHome().resolve("target/" + NAME + "_" + version + "_amd64.deb");
        if (!Files.isRegularFile(deb)) {
            throw new AssertionError(deb + " is missing: `mvn package` makes it (bin/package) unless -Dcordon.deb.skip is given");
        }
        return new DebianPackage(deb, version);
    }

    /** dpkg's state of the package: installed, config-files (removed, not purged) or not-installed. */
    static String status() {
        Host.Out r = Host.run("dpkg-query", "--show", "--showformat=${db:Status-Status}", NAME);
        return r.exit() == 0 && !r.out().isBlank() ? r.out().strip() : "not-installed";
    }

    /** Every path in the package, directories included (dpkg-deb --contents), as absolute paths. */
    List<Path> paths() {
        Host.Out r = Host.run("dpkg-deb", "--contents", deb.toString()).requireOk("dpkg-deb --contents");
        List<Path> paths = new ArrayList<>();
        for (String line : r.out().lines().toList()) {
            String p = line.substring(line.lastIndexOf(' ') + 1); // "drwxr-xr-x root/root 0 2026-01-01 00:00 ./usr/bin/"
            if (!p.equals("./")) paths.add(Path.of(p.substring(1)));
        }
        return paths;
    }

    /** {@code apt-get -y ARGS}, non-interactive, waiting for dpkg's lock. */
    static Host.Out apt(String... args) {
        List<String> cmd = new ArrayList<>(List.of("env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "-y", "-o", "DPkg::Lock::Timeout=240"));
        cmd.addAll(List.of(args));
        return Host.run(APT_TIMEOUT, cmd.toArray(String[]::new));
    }
}
