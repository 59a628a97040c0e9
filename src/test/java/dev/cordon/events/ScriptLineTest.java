package dev.cordon.events;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ScriptLineTest {
    @Test
    void labelsNameFileLineAndTrapFromTheOutermostScript() {
        assertThat(new ScriptLine("./deploy.sh", 9).label()).isEqualTo("./deploy.sh:9");
        assertThat(new ScriptLine("./deploy.sh", 4, "ERR").label()).isEqualTo("./deploy.sh:4 (ERR trap)");
        assertThat(new ScriptLine("./deploy.sh", 0, "EXIT").label()).isEqualTo("./deploy.sh (EXIT trap)");
        ScriptLine inner = new ScriptLine("./lib.sh", 6).startedFrom(new ScriptLine("./deploy.sh", 12));
        assertThat(inner.label()).isEqualTo("./deploy.sh:12 > ./lib.sh:6");
        assertThat(inner.chain()).containsExactly(new ScriptLine("./deploy.sh", 12), new ScriptLine("./lib.sh", 6));
        assertThat(inner.startedFrom(new ScriptLine("./ci.sh", 3)).label()).isEqualTo("./ci.sh:3 > ./deploy.sh:12 > ./lib.sh:6");
        assertThat(inner.startedFrom(null)).isSameAs(inner);
    }

    @Test
    void aDeepChainKeepsTheOutermostAndTheInnermostLines() {
        List<ScriptLine> lines = new ArrayList<>();
        for (int i = 1; i <= 12; i++) lines.add(new ScriptLine("f" + i + ".sh", i));
        ScriptLine deep = ScriptLine.of(lines);
        assertThat(deep.chain()).hasSize(ScriptLine.MAX_DEPTH);
        assertThat(deep.label()).isEqualTo("f1.sh:1 > f6.sh:6 > f7.sh:7 > f8.sh:8 > f9.sh:9 > f10.sh:10 > f11.sh:11 > f12.sh:12");
        assertThat(ScriptLine.of(List.of())).isNull();
    }

    @Test
    void aLineIsNeverNegativeAndAlwaysHasAFile() {
        assertThatThrownBy(() -> new ScriptLine("x.sh", -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ScriptLine(null, 1)).isInstanceOf(NullPointerException.class);
    }
}
