package dev.cordon.demo;

/** The example deploy script, modelled on GitHub's MySQL incident scenario. */
final class DeployScript {
    private DeployScript() {}

    static String text(int port) {
        return """
                #!/bin/sh
                # Apply a MySQL config change to the replicas during an incident.
                # Hidden dependency: it fetches a tool from github.com, the very thing that may be down.
                set -e
                echo "deploy: applying my.cnf change to mysql-replica-{1..3}"
                echo "deploy: fetching the latest orchestrator release from github.com"
                curl -fsS --max-time 30 -o /dev/null http://api.github.com:%1$d/repos/openark/orchestrator/releases/latest
                curl -fsS --max-time 30 -o /dev/null http://%2$s:%1$d/orchestrator-3.2.6-linux-amd64.tar.gz
                echo "deploy: taking the rollout lock from deploy-api.internal"
                curl -fsS --max-time 30 -o /dev/null http://deploy-api.internal:%1$d/v1/locks/mysql-replicas
                echo "deploy: config applied"
                """.formatted(port, DemoWorld.CNAME_ALIAS);
    }
}
