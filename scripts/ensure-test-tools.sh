#!/usr/bin/env bash
# npm's pretest: makes sure the programs the tests start are there. What is missing is installed with
# apt-get when this user can (root, or sudo without a password); otherwise one line says what is missing
# and how to install it. When everything is there it only runs `command -v` once per tool.
set -euo pipefail

# command:Debian package, one per program the tests run (the C compiler for the fsync recorder, the serial ptys, USB listing, systemd's notify and
# verify tools, the notify-socket stand-in, the browser the console's tests drive, the Redis a clustered platform shares). WIOTP_TEST_TOOLS replaces the list.
TEST_TOOLS="${WIOTP_TEST_TOOLS:-cc:build-essential socat:socat udevadm:udev systemd-notify:systemd systemd-analyze:systemd python3:python3 chromium:chromium redis-server:redis-server}"

commands=()
packages=()
for tool in $TEST_TOOLS; do
  command="${tool%%:*}"
  package="${tool#*:}"
  command -v "$command" >/dev/null 2>&1 && continue
  commands+=("$command")
  [[ " ${packages[*]-} " == *" $package "* ]] || packages+=("$package")
done
[ "${#commands[@]}" -eq 0 ] && exit 0

install="apt-get install -y -q --no-install-recommends ${packages[*]}"
hint="sudo apt-get install ${packages[*]}"
# On CI a missing tool is an error; on a developer's machine the other tests still run.
give_up() {
  echo "ensure-test-tools: the tests need ${commands[*]}, missing here: $1" >&2
  [ -z "${CI:-}" ]
  exit $?
}

if ! command -v apt-get >/dev/null 2>&1; then
  give_up "install ${packages[*]} with your package manager (Debian, Ubuntu: \`$hint\`)"
fi
if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo=(sudo -n)
else
  give_up "run \`$hint\`"
fi

echo "ensure-test-tools: installing ${packages[*]} for ${commands[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# A fresh machine has no package lists yet: update only when the install needs it.
if "${sudo[@]}" $install >/dev/null 2>&1 ||
  { "${sudo[@]}" apt-get update -q >/dev/null 2>&1 && "${sudo[@]}" $install >/dev/null 2>&1; }; then
  exit 0
fi
give_up "apt-get could not install them: run \`$hint\` to see why"
