package dev.cordon.report;

import dev.cordon.report.model.ProcessNode;
import dev.cordon.report.model.RunModel;
import dev.cordon.report.model.Verdict;
import dev.cordon.report.read.EventsFileReader;
import dev.cordon.report.read.EventsFormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EventsFileReaderTest {
    private static final String EXEC = "{\"time\":\"2026-11-21T10:00:00Z\",\"type\":\"exec\",\"pid\":10,\"ppid\":1,\"comm\":\"sh\",\"argv\":[\"sh\"]}";

    private static RunModel read(String text) throws Exception {
        return EventsFileReader.read(new StringReader(text), "events.jsonl");
    }

    private static String error(String text) {
        try {
            read(text);
        } catch (EventsFormatException e) {
            assertThat(e.getStackTrace()).as("a user error, not a crash: no stack trace").isEmpty();
            return e.getMessage();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("no error for " + text);
    }

    @Test
    void malformedLinesAreNamedByLineAndColumn() {
        assertThat(error(EXEC + "\n{\"time\":\"2026-11-21T10:00:00Z\" \"type\":\"exec\"}\n"))
                .isEqualTo("events.jsonl:2: not valid JSON: expected ',' or '}' (column 32)");
        assertThat(error(EXEC + "\n\n{\"type\":\"exec\",\n")).isEqualTo("events.jsonl:3: not valid JSON: unexpected end of line (column 16)");
        assertThat(error("[1,2]\n")).isEqualTo("events.jsonl:1: not a JSON object");
        assertThat(error("{\"a\":\"x\ty\"}")).isEqualTo("events.jsonl:1: not valid JSON: raw control character in a string (column 8)");
        assertThat(error("{\"a\":1} x")).isEqualTo("events.jsonl:1: not valid JSON: unexpected 'x' after the value (column 9)");
        assertThat(error("{\"a\":1,\"a\":2}")).startsWith("events.jsonl:1: not valid JSON: duplicate key \"a\"");
    }

    @Test
    void knownRecordsNeedTheFieldsAReportUses() {
        assertThat(error("{\"time\":\"2026-11-21T10:00:00Z\",\"pid\":1}")).isEqualTo("events.jsonl:1: a record without \"type\"");
        assertThat(error("{\"time\":\"2026-11-21T10:00:00Z\",\"type\":\"exec\"}")).isEqualTo("events.jsonl:1: a \"exec\" record without \"pid\"");
        assertThat(error("{\"time\":\"yesterday\",\"type\":\"exec\",\"pid\":1}")).isEqualTo("events.jsonl:1: \"time\" is not an ISO-8601 instant: \"yesterday\"");
        assertThat(error("{\"time\":\"2026-11-21T10:00:00Z\",\"type\":\"exec\",\"pid\":\"1\"}")).isEqualTo("events.jsonl:1: \"pid\" must be an integer");
        assertThat(error("{\"time\":\"2026-11-21T10:00:00Z\",\"type\":\"dns\",\"pid\":1,\"verdict\":\"maybe\"}")).isEqualTo("events.jsonl:1: unknown verdict \"maybe\"");
    }

    @Test
    void notUtf8IsAnErrorWithItsLine(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("e.jsonl");
        Files.write(f, (EXEC + "\n{\"time\":\"2026-11-21T10:00:00Z\",\"type\":\"x\",\"v\":\"\u00ff\"}\n").replace('\u00ff', '?').getBytes());
        byte[] bytes = Files.readAllBytes(f);
        bytes[bytes.length - 4] = (byte) 0xff;
        Files.write(f, bytes);
        assertThatThrownBy(() -> EventsFileReader.read(f)).isInstanceOf(EventsFormatException.class).hasMessage(f + ":2: not UTF-8");
    }

    @Test
    void unknownTypesAndFieldsAreIgnored() throws Exception {
        RunModel m = read("{\"time\":\"2026-11-21T10:00:00Z\",\"type\":\"from-the-future\",\"x\":[{}]}\n"
                + EXEC.replace("}", ",\"new\":{\"a\":[1,-2.5e-3,true,null]}}") + "\n");
        assertThat(m.processes()).hasSize(1);
        assertThat(m.rootProcess().cmd()).isEqualTo("sh");
    }

    @Test
    void aReusedPidIsANewProcessAndAttemptOnlyProcessesHangUnderTheirParent() throws Exception {
        RunModel m = read("""
                {"time":"2026-11-21T10:00:00Z","type":"exec","pid":10,"ppid":1,"argv":["sh","x"]}
                {"time":"2026-11-21T10:00:01Z","type":"exec","pid":11,"ppid":10,"argv":["curl","a"]}
                {"time":"2026-11-21T10:00:02Z","type":"exit","pid":11,"ppid":10,"exitCode":0}
                {"time":"2026-11-21T10:00:03Z","type":"exec","pid":11,"ppid":10,"argv":["curl","b"]}
                {"time":"2026-11-21T10:00:04Z","type":"connect","verdict":"blocked","ip":"192.0.2.1","port":80,"pid":12,"ppid":10,"cmd":"sh x"}
                {"time":"2026-11-21T10:00:05Z","type":"dns","verdict":"allowed","domain":"Example.COM.","pid":13,"ppid":999,"cmd":"mystery"}
                """);
        assertThat(m.processes()).extracting(ProcessNode::cmd).containsExactly("sh x", "curl a", "curl b", "sh x", "mystery");
        assertThat(m.process(1).exitCode()).isZero();
        assertThat(m.process(2).exited()).isFalse();
        assertThat(m.process(3).parent()).isZero();
        assertThat(m.process(3).execTime()).isNull();
        assertThat(m.process(3).attempts().getFirst().verdict()).isEqualTo(Verdict.BLOCKED);
        assertThat(m.process(3).attempts().getFirst().destination()).isEqualTo("192.0.2.1:80");
        assertThat(m.process(4).parent()).as("unknown parent: under the root").isZero();
        assertThat(m.process(4).attempts().getFirst().destination()).isEqualTo("example.com");
    }

    @Test
    void tasksComeFromEveryRecordThatNamesOne() throws Exception {
        RunModel m = read("""
                {"time":"2026-11-21T10:00:00Z","type":"exec","pid":10,"ppid":1,"argv":["sh","x"],"task":"deploy@41.service"}
                {"time":"2026-11-21T10:00:01Z","type":"dns","verdict":"blocked","domain":"github.com.","pid":10,"cmd":"sh x","task":"deploy@41.service"}
                {"time":"2026-11-21T10:00:02Z","type":"connect","verdict":"allowed","ip":"192.0.2.1","port":80,"pid":20,"ppid":2,"cmd":"curl","task":"deploy@42.service"}
                {"time":"2026-11-21T10:00:03Z","type":"dns","verdict":"allowed","domain":"example.com.","pid":0,"cmd":"?"}
                {"time":"2026-11-21T10:00:04Z","type":"exit","pid":30,"ppid":2,"exitCode":0,"task":"cgroup:77"}
                """);
        assertThat(m.processes()).extracting(ProcessNode::task)
                .containsExactly("deploy@41.service", "deploy@42.service", null, "cgroup:77");
        assertThat(m.attempts()).extracting(a -> a.task()).containsExactly("deploy@41.service", "deploy@42.service", null);
        assertThat(read(EXEC).rootProcess().task()).as("cordon run's records name none").isNull();
    }

    @Test
    void readsAHundredThousandLinesIntoOneProcess() throws Exception {
        StringBuilder sb = new StringBuilder();
        sb.append(EXEC).append('\n');
        for (int i = 0; i < 100_000; i++) {
            sb.append("{\"time\":\"2026-11-21T10:00:00.").append(String.format("%09d", i)).append("Z\",\"type\":\"connect\",\"verdict\":\"allowed\",")
                    .append("\"blocked\":false,\"blockedAt\":\"connect\",\"ip\":\"10.0.").append(i % 200).append(".1\",\"port\":443,\"proto\":\"tcp\",")
                    .append("\"family\":\"ipv4\",\"ipv6Mapped\":false,\"domain\":\"svc").append(i % 50).append(".example.com.\",\"pid\":10,\"tid\":10,")
                    .append("\"ppid\":1,\"comm\":\"sh\",\"cmd\":\"sh\",\"argv\":[\"sh\"],\"cmdSource\":\"exec\",\"rule\":\"default:allow\",\"mode\":\"enforce\",\"cgroupId\":18446744073709551615}\n");
        }
        RunModel m = read(sb.toString());
        assertThat(m.rootProcess().attempts()).hasSize(100_000);
    }
}
