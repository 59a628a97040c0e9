package dev.cordon.doctor;

import dev.cordon.kernel.KernelObjects;
import dev.cordon.libbpf.BpfObject;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The probe programs in bpf/probes.bpf.c and the table saying what each proves stay one list; the README states its minimums. */
class KernelFeaturesTest {
    @Test
    void everyProbeProgramIsInTheTableAndEveryNeedHasAProgram() {
        List<String> programs;
        try (BpfObject o = BpfObject.open(KernelObjects.probes(), "probes")) { // opening needs no privilege
            programs = o.programNames();
        }
        List<String> needs = KernelFeatures.ALL.stream().flatMap(f -> f.needs().stream()).map(KernelFeatures.Need::probe).toList();
        assertThat(needs).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(programs);
    }

    @Test
    void theReadmeStatesEachFeaturesMinimum() throws IOException {
        String readme = Files.readString(Path.of(System.getProperty("user.dir"), "README.md"));
        for (KernelFeatures.Feature f : KernelFeatures.ALL) {
            assertThat(readme).as("README names the minimum for " + f.name())
                    .containsPattern("\\| *`?" + java.util.regex.Pattern.quote(f.name()) + "`?[^|]*\\| *" + Checks.shortVersion(f.minimum()) + " *\\|");
        }
    }
}
