package dev.cordon.report.analysis;

import dev.cordon.events.ScriptLine;
import dev.cordon.report.model.Verdict;

import java.util.List;

/**
 * Every attempt of the run at one destination with one verdict.
 *
 * @param firstCmd  the command line of the first process that tried it
 * @param firstExe  the file that process ran, or null if unknown
 * @param firstLine the bash script line that started that process, or null
 * @param processes ids of the processes that tried it, in the order they first did
 * @param waitedMs  wall-clock time simulated outages held these attempts (overlapping waits count once; 0 if none)
 */
public record Destination(String name, Verdict verdict, int count, String firstCmd, String firstExe, ScriptLine firstLine,
                          List<Integer> processes,
                          long waitedMs) {
    public Destination {
        processes = List.copyOf(processes);
    }
}
