#!/usr/bin/env bash
# An example deploy script, modelled on GitHub's MySQL incident: it applies a config change to the
# replicas during an incident, and has a hidden dependency on github.com, the very thing that may be
# down. The names resolve to loopback servers started by `cordon demo world` (or `cordon demo`).
set -e
port=${DEMO_HTTP_PORT:-8080}
echo "deploy: applying my.cnf change to mysql-replica-{1..3}"
echo "deploy: fetching the latest orchestrator release from github.com"
curl -fsS --max-time 30 -o /dev/null "http://api.github.com:$port/repos/openark/orchestrator/releases/latest"
curl -fsS --max-time 30 -o /dev/null "http://tools-mirror.internal:$port/orchestrator-3.2.6-linux-amd64.tar.gz"
echo "deploy: taking the rollout lock from deploy-api.internal"
curl -fsS --max-time 30 -o /dev/null "http://deploy-api.internal:$port/v1/locks/mysql-replicas"
echo "deploy: config applied"
