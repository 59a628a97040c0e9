package dev.cordon.kernel;

import dev.cordon.events.ScriptLine;

import java.util.ArrayList;
import java.util.List;

/**
 * What bash's call stack and {@code running_trap} say about the line that runs a command.
 * {@code running_trap} is 0 outside traps; else the trap's signal number + 1, where EXIT is signal
 * 0 and DEBUG, ERR and RETURN come after the real signals (NSIG, NSIG + 1, NSIG + 2; trap.h of bash
 * 4.3 to 5.3). Inside a trap only the file and the trap are kept, never a line: EXIT and signal
 * traps count the lines of their own command string (parse_and_execute with SEVAL_RESETLINE), and
 * a DEBUG, ERR or RETURN trap, which runs with the line that set it off, may itself run inside an
 * EXIT trap (a command of the EXIT trap fails: the ERR trap's line is then the EXIT trap's count);
 * running_trap names only the innermost trap, so which case it is cannot be told from outside.
 */
final class BashTraps {
    private BashTraps() {}

    /** A frame of bash's call stack: BASH_SOURCE[k] and the line there (innermost: $LINENO; else BASH_LINENO[k - 1]). */
    record Frame(String file, int line) {}

    /** Linux's NSIG, as glibc defines it on x86-64 and AArch64 (64 signals, numbered from 1). */
    static final int NSIG = 65;
    private static final String[] SIGNALS = {null, "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1",
            "SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU",
            "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS"};

    /** The line for a stack (innermost frame first) and running_trap: outermost script first; inside a trap its file and name. */
    static ScriptLine scriptLine(List<Frame> innermostFirst, int runningTrap) {
        if (runningTrap > 0) return new ScriptLine(innermostFirst.getFirst().file(), 0, name(runningTrap - 1));
        List<ScriptLine> chain = new ArrayList<>(innermostFirst.size());
        for (int k = innermostFirst.size() - 1; k >= 0; k--) {
            Frame f = innermostFirst.get(k);
            chain.add(new ScriptLine(f.file(), Math.max(0, f.line())));
        }
        return ScriptLine.of(chain);
    }

    /** EXIT, INT, TERM, RTMIN+3, DEBUG, ERR, RETURN, as {@code trap -l} names them (without SIG). */
    static String name(int sig) {
        if (sig == 0) return "EXIT";
        if (sig == NSIG) return "DEBUG";
        if (sig == NSIG + 1) return "ERR";
        if (sig == NSIG + 2) return "RETURN";
        if (sig > 0 && sig < SIGNALS.length) return SIGNALS[sig];
        if (sig == 34) return "RTMIN";
        if (sig == 64) return "RTMAX";
        if (sig > 34 && sig < 64) return sig <= 49 ? "RTMIN+" + (sig - 34) : "RTMAX-" + (64 - sig);
        return "signal " + sig;
    }
}
