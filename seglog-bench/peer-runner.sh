#!/usr/bin/env bash
# Runs the seglog peer comparison (io.seglog.bench.peer.PeerRunner) from the shaded benchmark jar.
#
#   mvn -B -q -pl seglog-bench -am package -DskipTests
#   seglog-bench/peer-runner.sh --dir /path/on/the/disk/to/measure [options]   # --help lists them
#
# All systems run in this one JVM. Chronicle Queue needs the --add-opens/--add-exports flags below
# on Java 17 (it reaches into JDK internals for memory mapping and off-heap access); the other
# systems do not care. The chronicle.* properties stop its start-up banner and usage analytics.
# The heap is fixed and pre-touched (AlwaysPreTouch): without it, whichever system first allocates
# into a never-used part of the heap pays the kernel's page faults for it (5% to 13% of seglog's
# random-read CPU samples were zeroing fresh heap pages under the Record each read returns), so a
# system's rate depended on what ran before it; a long-running process has long touched its heap.
# Extra JVM options: PEER_JVM_OPTS (for example "-Xmx4g" or a JFR recording).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
jar="${PEER_JAR:-$here/target/seglog-benchmarks.jar}"
if [[ ! -f "$jar" ]]; then
  echo "peer-runner: $jar not found; build it with: mvn -B -q -pl seglog-bench -am package -DskipTests" >&2
  exit 2
fi
java_flags=(
  -Xms2g -Xmx2g -XX:+AlwaysPreTouch
  --add-exports=java.base/jdk.internal.ref=ALL-UNNAMED
  --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED
  --add-exports=java.base/sun.nio.ch=ALL-UNNAMED
  --add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED
  --add-opens=jdk.compiler/com.sun.tools.javac=ALL-UNNAMED
  --add-opens=java.base/java.lang=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED
  -Dchronicle.announcer.disable=true
  -Dchronicle.analytics.disable=true
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn
)
# shellcheck disable=SC2086 # PEER_JVM_OPTS is a list of options
exec java "${java_flags[@]}" ${PEER_JVM_OPTS:-} -cp "$jar" io.seglog.bench.peer.PeerRunner "$@"
