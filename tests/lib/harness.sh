# The shell tests' harness: counts checks and ends with "N passed, N failed".
# Sourced; then: check NAME COMMAND...   and at the end: finish
passed=0 failed=0
ok()   { passed=$((passed + 1)); echo "ok   - $1"; }
fail() { failed=$((failed + 1)); echo "FAIL - $1"; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else fail "$name"; fi; }
finish() { echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; }
# Changes the byte at OFFSET of FILE to another value (its complement), whatever it was.
flip_byte() {
  local old
  old=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
  printf "\\$(printf '%03o' $((255 - old)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
# run ARGS (run_cli ARGS): runs the command in the array di (the CLI, or Wine and the .exe) with ARGS, stdin
# closed: its stdout in ./out and stderr in ./err (Windows' CRs removed), its exit
# status in $code. A run that hangs is killed after DI_TEST_RUN_TIMEOUT seconds (300)
# and says so, so one hang names its command instead of eating the test's time.
run_cli() {
  timeout -k 10 "${DI_TEST_RUN_TIMEOUT:-300}" "${di[@]}" "$@" </dev/null >out.txt 2>err.txt
  code=$?
  tr -d '\r' <out.txt >out
  tr -d '\r' <err.txt >err
  if [ "$code" -eq 124 ] || [ "$code" -eq 137 ]; then
    echo "    TIMEOUT: killed after ${DI_TEST_RUN_TIMEOUT:-300} s: ${di[*]} $*"
    sed 's/^/    | /' err | tail -n 5
  fi
}
run() { run_cli "$@"; }
