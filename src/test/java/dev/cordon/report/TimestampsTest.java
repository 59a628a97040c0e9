package dev.cordon.report;

import dev.cordon.report.read.EventsFileReader;
import org.junit.jupiter.api.Test;

import java.io.StringReader;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** The reader's fast time parser agrees with Instant.parse on every shape cordon and others write. */
class TimestampsTest {
    private static Instant read(String time) throws Exception {
        return EventsFileReader.read(new StringReader("{\"time\":\"" + time + "\",\"type\":\"exec\",\"pid\":1,\"argv\":[\"x\"]}"), "t")
                .rootProcess().execTime();
    }

    @Test
    void agreesWithInstantParse() throws Exception {
        for (String t : new String[]{"2026-11-21T10:00:00Z", "2026-11-21T10:00:00.5Z", "2026-11-21T10:00:00.123456789Z",
                "2024-02-29T23:59:59.000001Z", "1970-01-01T00:00:00Z", "2026-11-21T10:00:00+01:00", "2026-11-21T10:00:00.120Z"}) {
            assertThat(read(t)).as(t).isEqualTo(Instant.parse(t));
        }
    }
}
