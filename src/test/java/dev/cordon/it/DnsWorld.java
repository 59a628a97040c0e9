package dev.cordon.it;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The names most DNS tests use, served by a test dnsmasq, with HTTP servers behind two of them.
 * All addresses are loopback. {@code big.internal} has so many addresses that its answer does not
 * fit 512 bytes (TC, then TCP).
 */
final class DnsWorld implements AutoCloseable {
    static final String GITHUB_IP = "127.0.31.2";
    static final String EVIL_IP = "127.0.31.3";
    static final String EVIL_SUFFIX_IP = "127.0.31.4";
    static final String OK_IP = "127.0.31.5";
    static final int BIG_COUNT = 60;

    final Dnsmasq dns;
    final LoopbackWeb github;
    final LoopbackWeb ok;

    private DnsWorld(Path dir, int ttl) throws IOException {
        Dnsmasq d = new Dnsmasq().ttl(ttl)
                .host("github.com", GITHUB_IP)
                .host("api.github.com", GITHUB_IP)
                .host("evilgithub.com", EVIL_IP)
                .host("github.com.evil.net", EVIL_SUFFIX_IP)
                .host("ok.internal", OK_IP)
                .cname("alias.internal", "github.com")
                .cname("alias2.internal", "alias.internal");
        for (int i = 1; i <= BIG_COUNT; i++) d.host("big.internal", "127.0.40." + i);
        LoopbackWeb gh = null;
        LoopbackWeb okWeb = null;
        try {
            gh = new LoopbackWeb(GITHUB_IP);
            okWeb = new LoopbackWeb(OK_IP);
            d.start(dir);
        } catch (IOException | RuntimeException e) {
            d.close();
            if (gh != null) gh.close();
            if (okWeb != null) okWeb.close();
            throw e;
        }
        this.dns = d;
        this.github = gh;
        this.ok = okWeb;
    }

    static DnsWorld start(Path dir) throws IOException {
        return new DnsWorld(dir, 60);
    }

    GuardedRun cordon(Path dir) {
        return GuardedRun.cordon(dir, dns);
    }

    @Override
    public void close() {
        dns.close();
        github.close();
        ok.close();
    }
}
