package dev.cordon.events;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/** Every attempt, exec and exit as JSON Lines (--events FILE). Flushed per line so a crash loses little. */
public final class JsonLinesFile implements EventSink {
    private final BufferedWriter out;

    public JsonLinesFile(Path file) throws IOException {
        this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
    }

    @Override
    public void attempt(NetAttempt a) {
        write(Formats.json(a));
    }

    @Override
    public void exec(Instant time, ExecEvent e, ProcessTable.Attribution who) {
        write(Formats.json(time, e, who));
    }

    @Override
    public void dns(DnsEvent e) {
        write(Formats.json(e));
    }

    @Override
    public void execDenied(ExecDenial d) {
        write(Formats.json(d));
    }

    @Override
    public void exit(Instant time, ExitEvent e, String task) {
        write(Formats.json(time, e, task));
    }

    @Override
    public void runStarted(RunStart start) {
        write(Formats.json(start));
    }

    @Override
    public void policyReloaded(PolicyReload reload) {
        write(Formats.json(reload));
    }

    @Override
    public void runEnded(RunEnd end) {
        write(Formats.json(end));
    }

    private synchronized void write(String line) {
        try {
            out.write(line);
            out.newLine();
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
