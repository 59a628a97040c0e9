package dev.cordon.policy.file;

import dev.cordon.policy.PolicyException;

import java.util.List;

/** A policy file with errors: every problem, positioned, so the user fixes them all in one go. */
public final class PolicyFileException extends PolicyException {
    private static final long serialVersionUID = 1L;
    private final String source;
    private final transient List<PolicyProblem> problems;

    public PolicyFileException(String source, List<PolicyProblem> problems) {
        super(source + ": " + problems.stream().filter(PolicyProblem::isError).count() + " error(s)");
        this.source = source;
        this.problems = List.copyOf(problems);
    }

    public String source() {
        return source;
    }

    public List<PolicyProblem> problems() {
        return problems;
    }
}
