# Sourced by bin/flotilla and bin/test: finds JDK 25 and the project root.
FLOTILLA_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"

java_major() { # prints the major version of the java binary given, or nothing
  "$1" -version 2>&1 | awk -F'"' '/version/ {split($2, v, "."); print v[1]; exit}'
}

find_jdk() {
  local candidate
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64; do
    if [ -n "$candidate" ] && [ -x "$candidate/bin/java" ]; then
      local major
      major="$(java_major "$candidate/bin/java")"
      if [ -n "$major" ] && [ "$major" -ge 25 ] 2>/dev/null; then
        export JAVA_HOME="$candidate"
        return 0
      fi
    fi
  done
  echo "flotilla: JDK 25 or newer is required. Set JAVA_HOME to it (looked at \$JAVA_HOME='${JAVA_HOME:-}' and /usr/lib/jvm/temurin-25-jdk-amd64)." >&2
  return 1
}
