# Shared by bin/* scripts: locate the repo and a JDK 25. Sourced, not run.
# Few forks: bin/cordon's own time counts in every cordon run's start-up (readlink only for a symlink).
_cordon_lib=${BASH_SOURCE[0]}
[[ $_cordon_lib == */* ]] || _cordon_lib=./$_cordon_lib
[ -L "$_cordon_lib" ] && _cordon_lib=$(readlink -f "$_cordon_lib")
CORDON_HOME=$(cd "${_cordon_lib%/*}/.." && pwd -P)

# The JDK's release file names its version; reading it is much faster than starting a JVM.
java_major() {
  local home=$1 v= line
  if [ -r "$home/release" ]; then
    while IFS= read -r line; do
      if [[ $line =~ ^JAVA_VERSION=\"([0-9]+) ]]; then v=${BASH_REMATCH[1]}; break; fi
    done <"$home/release"
  fi
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

# The JVM flags of every cordon run, and of the AOT training run (bin/aot-train): an AOT cache
# is only used by a JVM started like the one that recorded it.
# Serial GC and C1 only: a short-lived CLI starts faster and stays smaller this way.
# -Xlog ... =off: a missing, stale or damaged cache must not print on the command's stdout
# (the JVM's default log output) — cordon then just starts slower.
# -Xmn24m -XX:SurvivorRatio=2 -XX:MaxTenuringThreshold=1 -Xms32m -Xmx112m: the heap's shape.
# The proxy's answer cache (4096 answers) lives about a second at 5k qps: with an 8 MB young
# generation (768 KB survivor spaces) every young collection promoted it, the old generation
# filled with dead answers up to the cap and a session under DNS load sat at ~160 MB. Survivor
# spaces of 6 MB let the cache die young. What little is still promoted fills the old generation
# until its first full collection, so its starting size (8 MB) is how far a long session's
# resident size grows on top of ~84 MB (BENCHMARKS.md).
# What outlives one young collection (a policy being read) is promoted at the next, not copied
# between survivor spaces again; the cap leaves the old generation the 88 MB a 100k-CIDR policy
# file needs at its peak without a second full collection. Raise it for huge `cordon report`
# inputs with JDK_JAVA_OPTIONS=-Xmx1g.
CORDON_JVM_FLAGS=(--enable-native-access=ALL-UNNAMED -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k -Xmn24m
  -XX:SurvivorRatio=2 -XX:MaxTenuringThreshold=1 -Xms32m -Xmx112m -XX:-UsePerfData -Xlog:aot*=off -Xlog:cds*=off)

# More arguments than this, and the launchers pass them through a pipe (cli.LauncherArgs).
CORDON_ARGS_VIA_PIPE=1000

# Sets CORDON_AOT_FLAGS to use the AOT cache (JEP 483/514/515: classes loaded, linked and profiled
# ahead of time, recorded by bin/aot-train during the build) when it fits: newer than the jar and
# its libraries, made by this JDK. Otherwise empty: cordon runs as well, only slower.
#   CORDON_AOT=0 never uses it; CORDON_AOT_CACHE=FILE names another (tests).
cordon_aot_flags() {
  local cache=${CORDON_AOT_CACHE:-$CORDON_HOME/target/cordon.aot} jar=$CORDON_HOME/target/cordon.jar f jdk=
  CORDON_AOT_FLAGS=()
  CORDON_AOT_STATE=off
  [ "${CORDON_AOT:-1}" = 0 ] && return 0
  CORDON_AOT_STATE=missing
  [ -s "$cache" ] && [ -f "$cache.jdk" ] || return 0
  CORDON_AOT_STATE=stale
  read -r jdk <"$cache.jdk" || true
  [ "$jdk" = "$CORDON_JAVA_HOME" ] || return 0
  for f in "$jar" "$CORDON_HOME"/target/lib/*.jar "$CORDON_JAVA_HOME/lib/modules"; do
    [ "$cache" -nt "$f" ] || return 0
  done
  CORDON_AOT_FLAGS=("-XX:AOTCache=$cache")
  CORDON_AOT_STATE=used
}
