package dev.cordon.dns;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing (Jazzer) of the DNS proxy's parse-and-decide path: raw query bytes and a
 * fake upstream's bytes in, the reply out, checked by {@link DnsFuzzCase}.
 *
 * <p>{@code mvn test} replays the seeds and every past finding in
 * {@code src/test/resources/dev/cordon/dns/QueryHandlerFuzzTestInputs/fuzz/} (regression mode);
 * {@code mvn verify} also fuzzes for {@code -Dcordon.fuzz.seconds} (the "fuzz" surefire execution).
 * A finding is written to that directory: keep it, it is the regression test.
 */
class QueryHandlerFuzzTest {
    @FuzzTest(maxDuration = "30s")
    @DictionaryFile(resourcePath = "dns.dict")
    void fuzz(byte[] input) {
        DnsFuzzCase.check(input);
    }
}
