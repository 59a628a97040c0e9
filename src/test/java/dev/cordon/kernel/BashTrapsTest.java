package dev.cordon.kernel;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class BashTrapsTest {
    private static final List<BashTraps.Frame> STACK = List.of(new BashTraps.Frame("./lib.sh", 6), new BashTraps.Frame("./deploy.sh", 12));

    @Test
    void outsideATrapTheStackReadsFromTheOutermostScript() {
        assertThat(BashTraps.scriptLine(STACK, 0).label()).isEqualTo("./deploy.sh:12 > ./lib.sh:6");
        assertThat(BashTraps.scriptLine(List.of(new BashTraps.Frame("deploy.sh", 9)), 0).label()).isEqualTo("deploy.sh:9");
    }

    @Test
    void insideATrapTheFileAndTheTrapAreNamedButNoLine() {
        // EXIT and signal traps count their own lines; an ERR trap may run inside an EXIT trap with that count
        assertThat(BashTraps.scriptLine(STACK, 1).label()).isEqualTo("./lib.sh (EXIT trap)");
        assertThat(BashTraps.scriptLine(STACK, 16).label()).isEqualTo("./lib.sh (TERM trap)");
        assertThat(BashTraps.scriptLine(STACK, 3).label()).isEqualTo("./lib.sh (INT trap)");
        assertThat(BashTraps.scriptLine(STACK, BashTraps.NSIG + 2).label()).isEqualTo("./lib.sh (ERR trap)");
        assertThat(BashTraps.scriptLine(STACK, BashTraps.NSIG + 1).label()).isEqualTo("./lib.sh (DEBUG trap)");
        assertThat(BashTraps.scriptLine(STACK, BashTraps.NSIG + 3).label()).isEqualTo("./lib.sh (RETURN trap)");
    }

    @Test
    void signalNamesAreTrapsOwn() {
        assertThat(BashTraps.name(10)).isEqualTo("USR1");
        assertThat(BashTraps.name(34)).isEqualTo("RTMIN");
        assertThat(BashTraps.name(37)).isEqualTo("RTMIN+3");
        assertThat(BashTraps.name(60)).isEqualTo("RTMAX-4");
        assertThat(BashTraps.name(64)).isEqualTo("RTMAX");
        assertThat(BashTraps.name(99)).isEqualTo("signal 99");
    }
}
