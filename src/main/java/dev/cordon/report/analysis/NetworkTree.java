package dev.cordon.report.analysis;

import dev.cordon.report.model.Attempt;
import dev.cordon.report.model.ProcessNode;
import dev.cordon.report.model.RunModel;
import dev.cordon.report.model.Verdict;

/**
 * Per process: whether it or anything below it touched the network, and the worst verdict below
 * it, so a tree can show only what matters and mark the path to a block.
 */
public final class NetworkTree {
    private final boolean[] own, subtree;
    private final Verdict[] ownWorst, subtreeWorst;
    private final int[] descendants;

    public NetworkTree(RunModel model) {
        int n = model.processes().size();
        own = new boolean[n];
        subtree = new boolean[n];
        ownWorst = new Verdict[n];
        subtreeWorst = new Verdict[n];
        descendants = new int[n];
        for (ProcessNode p : model.processes()) {
            own[p.id()] = !p.attempts().isEmpty();
            for (Attempt a : p.attempts()) ownWorst[p.id()] = worse(ownWorst[p.id()], a.verdict());
            subtree[p.id()] = own[p.id()];
            subtreeWorst[p.id()] = ownWorst[p.id()];
        }
        // children come after their parent in the model's order: fold from the end
        for (int i = n - 1; i >= 0; i--) {
            int parent = model.process(i).parent();
            if (parent < 0) continue;
            subtree[parent] |= subtree[i];
            subtreeWorst[parent] = worse(subtreeWorst[parent], subtreeWorst[i]);
            descendants[parent] += descendants[i] + 1;
        }
    }

    /** The more important of two verdicts (null = none). */
    public static Verdict worse(Verdict a, Verdict b) {
        if (a == null) return b;
        if (b == null) return a;
        return Destinations.rank(a) <= Destinations.rank(b) ? a : b;
    }

    public boolean touchedNetwork(int id) {
        return own[id];
    }

    public boolean subtreeTouchedNetwork(int id) {
        return subtree[id];
    }

    /** Worst verdict of the process's own attempts, or null. */
    public Verdict ownWorst(int id) {
        return ownWorst[id];
    }

    /** Worst verdict of it and everything below it, or null. */
    public Verdict subtreeWorst(int id) {
        return subtreeWorst[id];
    }

    public int descendants(int id) {
        return descendants[id];
    }
}
