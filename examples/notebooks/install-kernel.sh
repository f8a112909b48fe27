#!/usr/bin/env bash
# Installs the Jupyter kernel "Java (LEGION)": the JJava kernel with this repository's class path, so the
# notebooks in this folder run without %maven or %classpath magics.
#
#   examples/notebooks/install-kernel.sh [--user | --sys-prefix | --prefix DIR | --dir DIR] [--name NAME] JJAVA
#
# JJAVA is the JJava kernel (1.0-a6 or later): its release zip (jjava-<version>-kernelspec.zip, from the
# "Releases" page of github.com/dflib/jjava) or the folder it unpacks to (jjava.jar, jjava-launcher.jar,
# kernel.json). The JJAVA environment variable may name it instead of the argument.
# --user (the default), --sys-prefix and --prefix are passed to `jupyter kernelspec install`; --dir DIR only
# writes the kernelspec folder to DIR (install it later with `jupyter kernelspec install DIR`).
# JVM options of the kernel: LEGION_JAVA_OPTS (default -Xmx8g).
set -euo pipefail

usage() {
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
name="legion-java"
mode="--user"
prefix=""
out_dir=""
jjava="${JJAVA:-}"
while [ $# -gt 0 ]; do
  case "$1" in
    --user|--sys-prefix) mode="$1"; shift ;;
    --prefix) [ $# -ge 2 ] || usage; mode="--prefix"; prefix="$2"; shift 2 ;;
    --dir) [ $# -ge 2 ] || usage; mode="--dir"; out_dir="$2"; shift 2 ;;
    --name) [ $# -ge 2 ] || usage; name="$2"; shift 2 ;;
    -h|--help) usage ;;
    -*) echo "install-kernel: unknown option $1" >&2; usage ;;
    *) jjava="$1"; shift ;;
  esac
done

if [ -z "$jjava" ]; then
  echo "install-kernel: give the JJava kernel (its release zip or unpacked folder) as argument or in JJAVA." >&2
  echo "  Download jjava-<version>-kernelspec.zip (1.0-a6 or later) from the Releases page of" >&2
  echo "  github.com/dflib/jjava; it is not on Maven Central (only its protocol library is)." >&2
  exit 2
fi
if [ ! -e "$jjava" ]; then
  echo "install-kernel: $jjava does not exist" >&2
  exit 2
fi
case "$root" in
  *[[:space:]]*)
    # JJava's launcher splits JJAVA_JVM_OPTS at whitespace, so -Dlegion.home cannot hold a space
    echo "install-kernel: the repository path '$root' contains whitespace; move the checkout" >&2
    exit 2 ;;
esac
if ! command -v python3 >/dev/null; then
  echo "install-kernel: python3 (which Jupyter needs anyway) is not on PATH" >&2
  exit 2
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
spec="$work/$name"
mkdir -p "$spec"

# The kernel: jjava.jar and jjava-launcher.jar from the zip or the folder.
if [ -d "$jjava" ]; then
  src="$jjava"
else
  mkdir -p "$work/unpacked"
  python3 -m zipfile -e "$jjava" "$work/unpacked" \
    || { echo "install-kernel: $jjava is not a zip archive" >&2; exit 2; }
  src="$work/unpacked"
fi
for jar in jjava.jar jjava-launcher.jar; do
  found="$(find "$src" -name "$jar" -type f | head -n 1)"
  if [ -z "$found" ]; then
    echo "install-kernel: no $jar in $jjava (JJava 1.0-a6 or later ships both)" >&2
    exit 2
  fi
  cp "$found" "$spec/$jar"
done

# The class path: this repository's modules and their runtime dependencies, as legion-notebook declares them.
echo "install-kernel: building legion-notebook and its class path (mvn compile)..." >&2
if ! (cd "$root" && mvn -q -B -Dstyle.color=never compile -pl legion-notebook -am) >&2; then
  echo "install-kernel: build failed (run 'mvn -B compile -pl legion-notebook -am' in $root to see why)" >&2
  exit 1
fi
classpath="$root/legion-notebook/target/classes:$(cat "$root/legion-notebook/target/classpath.txt")"

# kernel.json: JJava's launcher starts the kernel JVM with JJAVA_JVM_OPTS; the kernel adds JJAVA_CLASSPATH to
# JShell and loads the extensions it finds there (legion-notebook's rich display).
python3 - "$spec/kernel.json" "$classpath" "$root" "${LEGION_JAVA_OPTS:--Xmx8g}" <<'EOF'
import json, sys
path, classpath, root, java_opts = sys.argv[1:]
jvm_opts = " ".join([java_opts, "-Dai.djl.offline=true", "-Dlegion.home=" + root,
                     # DJL's engine set-up lines and CPU-machine GPU probing would land in the notebook
                     "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-Dorg.slf4j.simpleLogger.log.ai.djl=error"])
spec = {
    "argv": ["java", "-jar", "{resource_dir}/jjava-launcher.jar", "{resource_dir}/jjava.jar", "{connection_file}"],
    "display_name": "Java (LEGION)",
    "language": "java",
    "interrupt_mode": "message",
    "env": {"JJAVA_CLASSPATH": classpath, "JJAVA_JVM_OPTS": jvm_opts, "RUST_FLAVOR": "cpu", "DJL_OFFLINE": "true"},
    "metadata": {},
}
with open(path, "w") as f:
    json.dump(spec, f, indent=2)
    f.write("\n")
EOF

if [ "$mode" = "--dir" ]; then
  mkdir -p "$out_dir"
  cp "$spec"/* "$out_dir"/
  echo "install-kernel: kernelspec written to $out_dir"
  echo "  install it with: jupyter kernelspec install $out_dir --user --name $name"
  exit 0
fi
if ! command -v jupyter >/dev/null; then
  keep="$root/legion-notebook/target/kernelspec/$name"
  mkdir -p "$keep"
  cp "$spec"/* "$keep"/
  echo "install-kernel: jupyter is not on PATH; the kernelspec is in $keep" >&2
  echo "  install it with: jupyter kernelspec install $keep --user --name $name" >&2
  exit 1
fi
if [ "$mode" = "--prefix" ]; then
  jupyter kernelspec install "$spec" --name "$name" --prefix "$prefix"
else
  jupyter kernelspec install "$spec" --name "$name" "$mode"
fi
echo "install-kernel: installed \"Java (LEGION)\" ($name). Open the notebooks with: jupyter lab $here"
