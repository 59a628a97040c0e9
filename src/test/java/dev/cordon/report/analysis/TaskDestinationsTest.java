package dev.cordon.report.analysis;

import dev.cordon.report.model.Attempt;
import dev.cordon.report.model.AttemptKind;
import dev.cordon.report.model.RunModel;
import dev.cordon.report.model.RunModelBuilder;
import dev.cordon.report.model.Verdict;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class TaskDestinationsTest {
    private static final Instant T = Instant.parse("2026-11-21T11:00:00Z");

    private static Attempt dns(int pid, String task, String domain, Verdict v) {
        return new Attempt(T.plusMillis(pid), AttemptKind.DNS, v, pid, "curl", null, task, null, List.of(domain), null, 0, "udp", "A", "r",
                null, List.of(), null, -1, null);
    }

    @Test
    void aRunWithoutTasksHasNoGroups() {
        RunModelBuilder b = new RunModelBuilder();
        b.exec(T, 10, 1, "sh", List.of("sh"), null, null, null);
        b.attempt(dns(10, null, "github.com", Verdict.BLOCKED), 1, List.of("sh"), "sh");
        RunModel m = b.build();
        assertThat(m.hasTasks()).isFalse();
        assertThat(TaskDestinations.of(m)).isEmpty();
    }

    @Test
    void oneGroupPerTaskByNameQuietOnesTooAndTheUnknownSenderLast() {
        RunModelBuilder b = new RunModelBuilder();
        b.exec(T, 10, 1, "sh", List.of("sh"), "b.service", null, null);
        b.exec(T, 11, 10, "curl", List.of("curl"), "b.service", null, null);
        b.exec(T, 20, 1, "sh", List.of("sh"), "a.service", null, null);
        b.exec(T, 30, 1, "true", List.of("true"), "c.service", null, null); // no network: a group with no destinations
        b.attempt(dns(11, "b.service", "github.com", Verdict.BLOCKED), 10, List.of("curl"), "curl");
        b.attempt(dns(11, "b.service", "github.com", Verdict.BLOCKED), 10, List.of("curl"), "curl");
        b.attempt(dns(11, "b.service", "pypi.org", Verdict.ALLOWED), 10, List.of("curl"), "curl");
        b.attempt(dns(20, "a.service", "github.com", Verdict.ALLOWED), 1, List.of("sh"), "sh");
        b.attempt(dns(0, null, "example.com", Verdict.AUDITED), 0, List.of("?"), null);

        List<TaskDestinations> groups = TaskDestinations.of(b.build());
        assertThat(groups).extracting(TaskDestinations::task).containsExactly("a.service", "b.service", "c.service", null);
        TaskDestinations bGroup = groups.get(1);
        assertThat(bGroup.processes()).isEqualTo(2);
        assertThat(bGroup.destinations()).extracting(Destination::name).containsExactly("github.com", "pypi.org");
        assertThat(bGroup.attempts(Verdict.BLOCKED)).isEqualTo(2);
        assertThat(bGroup.attempts(Verdict.ALLOWED)).isEqualTo(1);
        assertThat(bGroup.notable()).singleElement().extracting(Destination::name).isEqualTo("github.com");
        assertThat(groups.get(0).destinations()).singleElement().extracting(Destination::verdict).isEqualTo(Verdict.ALLOWED);
        assertThat(groups.get(2).destinations()).isEmpty();
        assertThat(groups.get(3).destinations()).singleElement().extracting(Destination::name).isEqualTo("example.com");
    }
}
