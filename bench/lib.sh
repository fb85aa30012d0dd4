# shellcheck shell=bash
# Shared helpers for the bench/ scripts: sourced, never run. See bench/README.md.
#
#   bench_init NAME        root check, build, temp dirs (BENCH_SHM in /dev/shm, BENCH_DISK
#                          on disk under build/), cleanup trap; sets DI (the diskimager binary)
#   bench_loop VAR FILE [-r]  VAR set to a loop device with direct I/O over FILE
#                          (read-only with -r), detached at exit
#   fresh                  before every run: the TARGETS discarded (blkdiscard for a block
#                          device, rm for a file), sync, page cache dropped
#   m CMD...               runs CMD under /usr/bin/time, noting its peak RSS (KiB)
#   mnext                  the next m starts a new step: a contestant's peak memory is the
#                          largest sum over the processes of one step (the stages of a
#                          pipeline run together; `a && mnext && b` runs one after the other)
#   bench_section TITLE    runs ROUNDS rounds of the contestants in TOOLS (functions t_NAME),
#                          the order rotated each round, each on a fresh target, and prints
#                          per round the MB/s of BYTES and the RATIOS, then the median row
#                          and each contestant's peak memory in MiB. check_NAME, when
#                          defined, runs after NAME's run in the last round (untimed), to
#                          catch a fast wrong result. RATIOS entries: "LABEL=NUM/DEN1,DEN2"
#                          = NUM's MB/s over the smallest of DEN1, DEN2 ... in the same round.
#   realistic_image MIB    path of a cached card image: MBR, one ext4 partition ~75 % full
#                          of real files (from /usr), the rest free space (zeros)
#   realistic_compressed MIB EXT   the same, compressed (xz gz zst bz2 zip), cached
#   image_md5 FILE         the MD5 of FILE, cached beside it for files in the cache
#
# Environment: DI=path uses that binary and builds nothing; DI_BUILD_DIR=build/NAME builds
# the linux preset there (default build/linux, as bench/run).
set -euo pipefail
[ -z "${DI:-}" ] || DI=$(readlink -f "$DI")
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BENCH_ROOT=$PWD
BENCH_CACHE=$BENCH_ROOT/build/bench-cache
MIB=$((1024 * 1024))

die() { echo "${BENCH_NAME:-bench}: $*" >&2; exit 1; }

bench_build() {
  if [ -n "${DI:-}" ]; then
    [ -x "$DI" ] || die "DI=$DI is not an executable"
    return
  fi
  local dir=${DI_BUILD_DIR:-build/linux} log
  log=$(mktemp)
  if ! { cmake --preset linux -B "$dir" && cmake --build "$dir" -j2 --target diskimager; } >"$log" 2>&1; then
    cat "$log" >&2; rm -f "$log"; die "build failed in $dir"
  fi
  rm -f "$log"
  DI=$BENCH_ROOT/$dir/diskimager
}

BENCH_LOOPS=()
bench_cleanup() {
  local d
  for d in "${BENCH_LOOPS[@]}"; do losetup -d "$d" 2>/dev/null || true; done
  rm -rf "${BENCH_SHM:-}" "${BENCH_DISK:-}"
}

bench_init() {
  BENCH_NAME=$1
  [ "$(id -u)" -eq 0 ] || die "needs root (loop devices, cache drops)"
  [ -x /usr/bin/time ] || die "needs /usr/bin/time (Debian package time)"
  command -v bc >/dev/null || die "needs bc"
  bench_build
  mkdir -p "$BENCH_ROOT/build" "$BENCH_CACHE"
  BENCH_SHM=$(mktemp -d /dev/shm/di-bench.XXXXXX)
  BENCH_DISK=$(mktemp -d "$BENCH_ROOT/build/bench.XXXXXX")
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
  MEM_FILE=$BENCH_SHM/mem
  LOG_DIR=$BENCH_SHM/log
  mkdir -p "$LOG_DIR"
}

bench_loop() { # VAR FILE [-r]: VAR set to the device (not in $( ): the trap must know it)
  local _dev
  _dev=$(losetup -f --show --direct-io=on ${3:-} "$2") || die "losetup failed on $2"
  BENCH_LOOPS+=("$_dev")
  printf -v "$1" %s "$_dev"
}

drop_caches() { sync; echo 3 >/proc/sys/vm/drop_caches; }

TARGETS=()
fresh() {
  local t
  for t in "${TARGETS[@]}"; do
    if [ -b "$t" ]; then
      blkdiscard "$t" 2>/dev/null || die "blkdiscard $t failed"
    else
      rm -f "$t"
    fi
  done
  drop_caches
}

now() { date +%s.%N; }
MEM_GROUP=0
m() { /usr/bin/time -f "$MEM_GROUP %M" -a -o "$MEM_FILE" "$@"; }
mnext() { MEM_GROUP=$((MEM_GROUP + 1)); }
# Peak KiB of the last run: the largest sum over a step's processes.
mem_peak() {
  awk 'NF == 2 && $1 ~ /^[0-9]+$/ && $2 ~ /^[0-9]+$/ { s[$1] += $2 }
       END { m = 0; for (g in s) if (s[g] > m) m = s[g]; print m }' "$MEM_FILE"
}

# run_one TOOL: fresh target, then t_TOOL timed; sets RUN_SEC and RUN_KIB.
run_one() {
  local tool=$1 t0 t1 rc
  fresh
  : >"$MEM_FILE"
  t0=$(now)
  set +e
  (set -e; MEM_GROUP=0; "t_$tool") >"$LOG_DIR/$tool.out" 2>"$LOG_DIR/$tool.err"
  rc=$?
  set -e
  t1=$(now)
  if [ "$rc" -ne 0 ]; then
    echo "$BENCH_NAME: $tool failed (exit $rc):" >&2
    tail -n 20 "$LOG_DIR/$tool.err" >&2
    exit 1
  fi
  RUN_SEC=$(echo "$t1 - $t0" | bc -l)
  RUN_KIB=$(mem_peak)
}

median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END {
  if (NR == 0) print "nan"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# ratio NUM DEN...: NUM / min(DEN...)
ratio() { local n=$1; shift; printf '%s\n' "$@" | awk -v n="$n" 'NR == 1 || $1 < m { m = $1 } END { printf "%.4f\n", (m > 0 ? n / m : 0) }'; }

colw() { local w=${#1}; [ "$w" -lt 9 ] && w=9; echo $((w + 1)); }

ROUNDS=3
BYTES=0
TOOLS=()
RATIOS=()
bench_section() {
  local title=$1 r i t n=${#TOOLS[@]} spec label num dens w
  declare -A all_mbs=() all_ratio=() peak=()
  local -A MBS=()
  echo
  echo "== $title"
  printf '%-6s' round
  for t in "${TOOLS[@]}"; do printf "%$(colw "$t")s" "$t"; done
  printf ' |'
  for spec in "${RATIOS[@]}"; do printf "%$(colw "${spec%%=*}")s" "${spec%%=*}"; done
  echo
  for t in "${TOOLS[@]}"; do peak[$t]=0; done
  for ((r = 0; r < ROUNDS; r++)); do
    for ((i = 0; i < n; i++)); do
      t=${TOOLS[$(((i + r) % n))]}
      run_one "$t"
      MBS[$t]=$(echo "$BYTES / $RUN_SEC / 1000000" | bc -l)
      all_mbs[$t]+=" ${MBS[$t]}"
      [ "$RUN_KIB" -gt "${peak[$t]}" ] && peak[$t]=$RUN_KIB
      if [ $((r + 1)) -eq "$ROUNDS" ] && declare -F "check_$t" >/dev/null; then
        "check_$t" || die "check of $t failed: its result is wrong"
      fi
    done
    printf '%-6s' $((r + 1))
    for t in "${TOOLS[@]}"; do printf "%$(colw "$t").1f" "${MBS[$t]}"; done
    printf ' |'
    for spec in "${RATIOS[@]}"; do
      label=${spec%%=*}; num=${spec#*=}; dens=${num#*/}; num=${num%%/*}
      local dvals=()
      IFS=, read -ra dnames <<<"$dens"
      for t in "${dnames[@]}"; do dvals+=("${MBS[$t]}"); done
      w=$(ratio "${MBS[$num]}" "${dvals[@]}")
      all_ratio[$label]+=" $w"
      printf "%$(colw "$label").2f" "$w"
    done
    echo
  done
  printf '%-6s' median
  # shellcheck disable=SC2086
  for t in "${TOOLS[@]}"; do printf "%$(colw "$t").1f" "$(median ${all_mbs[$t]})"; done
  printf ' |'
  # shellcheck disable=SC2086
  for spec in "${RATIOS[@]}"; do label=${spec%%=*}; printf "%$(colw "$label").2f" "$(median ${all_ratio[$label]})"; done
  echo
  printf '%-6s' 'MiB'
  for t in "${TOOLS[@]}"; do printf "%$(colw "$t").1f" "$(echo "${peak[$t]} / 1024" | bc -l)"; done
  echo ' |  (peak RSS)'
}

# The MD5 printed by one of our runs (coreutils format on stdout) must be WANT.
out_has_md5() { # TOOL WANT
  grep -qi "^$2 " "$LOG_DIR/$1.out" ||
    { echo "$BENCH_NAME: $1 printed no MD5 $2:" >&2; cat "$LOG_DIR/$1.out" >&2; return 1; }
}

image_md5() { # FILE: cached beside files in the cache (not as FILE.md5, which we would read)
  local f=$1 c
  case "$f" in
    "$BENCH_CACHE"/*) c=$f.digest ;;
    *) c="" ;;
  esac
  if [ -n "$c" ] && [ -s "$c" ] && [ "$c" -nt "$f" ]; then cat "$c"; return; fi
  local d
  d=$(md5sum "$f" | cut -d' ' -f1)
  [ -n "$c" ] && echo "$d" >"$c"
  echo "$d"
}

random_image() { # PATH MIB
  head -c $(($2 * MIB)) /dev/urandom >"$1"
}

# A card image as one is published: an MBR, one ext4 partition from 1 MiB to the end,
# filled to about 75 % with real files (a deterministic sample of /usr: binaries,
# libraries, headers, documentation, locales, icons), the rest free space, zeros.
realistic_image() { # MIB: prints the path
  local mib=$1 img=$BENCH_CACHE/realistic-${1}M.img
  if [ ! -s "$img" ]; then
    echo "$BENCH_NAME: making $img (once; cached)" >&2
    local stage tmp part_mib=$((mib - 1)) part used empty_used inodes
    stage=$(mktemp -d /dev/shm/di-stage.XXXXXX)
    tmp=$img.tmp.$$
    mkfs_card() { # [STAGE_DIR]: the card image in $tmp; used="BLOCKS PERCENT INODES" of its partition
      rm -f "$tmp"
      truncate -s "${mib}M" "$tmp"
      echo 'start=2048, type=83' | sfdisk -q "$tmp" >/dev/null || return 1
      mkfs.ext4 -q -F -b 4096 -i 8192 -L rootfs -E offset=$MIB,root_owner=0:0 \
        ${1:+-d "$1"} "$tmp" "${part_mib}M" 2>"$tmp.log" || { cat "$tmp.log" >&2; return 1; }
      part=$(losetup -f --show -r -o $MIB "$tmp") || return 1
      used=$(dumpe2fs -h "$part" 2>/dev/null |
        awk -F: '/^Block count/ { b = $2 } /^Free blocks/ { f = $2 } /^Inode count/ { i = $2 }
          END { printf "%d %d %d", b - f, (b - f) * 100 / b, i }') || true
      losetup -d "$part"
      rm -f "$tmp.log"
    }
    # What an empty file system uses (journal, inode tables, bitmaps), then files worth
    # 75 % of the partition less that, directories counted: about 75 % of it in use.
    mkfs_card "" || { rm -rf "$stage" "$tmp"; die "mkfs.ext4 failed"; }
    read -r empty_used _ inodes <<<"$used"
    python3 - "$stage" $((part_mib * MIB * 75 / 100 - empty_used * 4096)) $((inodes * 9 / 10)) <<'EOF' || { rm -rf "$stage" "$tmp"; die "staging failed"; }
import os, random, shutil, stat, sys
dest, budget, inodes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
files = []
for root in ("/usr/share", "/usr/lib", "/usr/include", "/usr/bin", "/usr/sbin"):
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for n in sorted(filenames):
            p = os.path.join(dirpath, n)
            try:
                st = os.lstat(p)
            except OSError:
                continue
            if stat.S_ISREG(st.st_mode) and 0 < st.st_size <= 64 << 20:
                files.append((p, st.st_size))
random.Random(12).shuffle(files)
used = 0
for p, size in files:
    blocks = (size + 4095) // 4096 * 4096
    if used + blocks > budget:
        continue
    d = os.path.join(dest, os.path.dirname(p).lstrip("/"))
    new_dirs = 0
    while not os.path.isdir(d):
        new_dirs += 1
        d = os.path.dirname(d)
    if inodes < 1 + new_dirs or used + blocks + new_dirs * 4096 > budget:
        continue
    inodes -= 1 + new_dirs
    d = os.path.join(dest, os.path.dirname(p).lstrip("/"))
    try:
        os.makedirs(d, exist_ok=True)
        shutil.copyfile(p, os.path.join(d, os.path.basename(p)))
    except OSError:
        continue
    used += blocks + new_dirs * 4096
    if used > budget - (64 << 10):
        break
print(f"staged {used >> 20} MiB", file=sys.stderr)
EOF
    mkfs_card "$stage" || { rm -rf "$stage" "$tmp"; die "mkfs.ext4 -d failed"; }
    rm -rf "$stage"
    [ "$(stat -c %s "$tmp")" -eq $((mib * MIB)) ] || { rm -f "$tmp"; die "the image is not $mib MiB"; }
    read -r _ used _ <<<"$used"
    echo "$BENCH_NAME: ext4 partition $used % in use" >&2
    mv "$tmp" "$img"
  fi
  echo "$img"
}

realistic_compressed() { # MIB EXT: prints the path
  local img out tmp
  img=$(realistic_image "$1")
  out=$img.$2
  if [ ! -s "$out" ]; then
    echo "$BENCH_NAME: making $out (once; cached)" >&2
    tmp=$BENCH_CACHE/tmp.$$.$2
    case "$2" in
      xz) xz -T2 -6 -c "$img" >"$tmp" ;;  # multi-threaded: several blocks
      zst) zstd -3 -q -c "$img" >"$tmp" ;;
      gz) gzip -6 -c "$img" >"$tmp" ;;
      bz2) bzip2 -9 -c "$img" >"$tmp" ;;
      zip) rm -f "$tmp.zip"; (cd "$BENCH_CACHE" && zip -q -6 "$tmp.zip" "$(basename "$img")") && mv "$tmp.zip" "$tmp" ;;
      *) die "no such format: $2" ;;
    esac || { rm -f "$tmp" "$tmp.zip"; die "compressing to $2 failed"; }
    mv "$tmp" "$out"
  fi
  echo "$out"
}

# The note printed under every script's tables.
bench_footer() {
  echo "MB/s are decimal, of the image's (decoded) size; ratios are taken per round and the"
  echo "median row is the median of each column; MiB: the largest peak RSS over the rounds"
  echo "(a pipeline's: the sum of its stages')."
}
