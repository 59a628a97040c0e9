# Shared by bin/* scripts: locate the repo and a JDK 25. Sourced, not run.
CORDON_HOME=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)

# The JDK's release file names its version; reading it is much faster than starting a JVM.
java_major() {
  local home=$1 v
  v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$home/release" 2>/dev/null)
  [ -n "$v" ] || v=$("$home/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
  echo "${v:-0}"
}

# Sets CORDON_JAVA_HOME or prints what is missing and returns 1.
find_jdk25() {
  local candidates=()
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  for d in /usr/lib/jvm/*25*; do [ -d "$d" ] && candidates+=("$d"); done
  for d in "${candidates[@]}"; do
    if [ -x "$d/bin/java" ] && [ "$(java_major "$d")" -ge 25 ] 2>/dev/null; then
      CORDON_JAVA_HOME=$d
      return 0
    fi
  done
  echo "cordon: no JDK 25 found (looked at \$JAVA_HOME=${JAVA_HOME:-unset} and /usr/lib/jvm/*25*)." >&2
  echo "cordon: install a JDK 25 (e.g. Temurin 25) and set JAVA_HOME to it." >&2
  return 1
}
