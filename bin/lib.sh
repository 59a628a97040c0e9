# Shared by bin/* scripts: locate the repo and a JDK 25. Sourced, not run.
CORDON_HOME=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)

java_major() { "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'; }

# Sets CORDON_JAVA_HOME or prints what is missing and returns 1.
find_jdk25() {
  local candidates=()
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  for d in /usr/lib/jvm/*25*; do [ -d "$d" ] && candidates+=("$d"); done
  for d in "${candidates[@]}"; do
    if [ -x "$d/bin/java" ] && [ "$(java_major "$d/bin/java")" -ge 25 ] 2>/dev/null; then
      CORDON_JAVA_HOME=$d
      return 0
    fi
  done
  echo "cordon: no JDK 25 found (looked at \$JAVA_HOME=${JAVA_HOME:-unset} and /usr/lib/jvm/*25*)." >&2
  echo "cordon: install a JDK 25 (e.g. Temurin 25) and set JAVA_HOME to it." >&2
  return 1
}
