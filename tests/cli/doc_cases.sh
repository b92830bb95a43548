# CLI test cases for what the command descriptors generate (--help, man
# pages, bash completion, the exit-code list) and for the first run as a
# new user meets it (JSON errors, "did you mean", H100). Sourced by
# tests/cli/run.sh through cases.sh.
# shellcheck shell=sh

doc_build=$(dirname "$migctl")
doc_root=$(cd "$here/../.." && pwd)

# --- --help and the parser agree, for every command ------------------------
# The options --help lists are exactly the command's table (as completion
# lists it), and the parser accepts each of them, long and short.
for c in $("$migctl" __commands); do
	case $c in smi|parted) continue ;; esac # own parsers, imitating other tools
	"$migctl" "$c" --help >"$tmp/doc_help" 2>"$tmp/err" || { bad "$c --help exits 0"; continue; }
	sed -n 's/^  \(-[a-zA-Z], \)\{0,1\}\(--[a-z][a-z-]*\).*/\2/p' "$tmp/doc_help" | sort -u >"$tmp/doc_h"
	"$migctl" __complete "$c" - | sort -u >"$tmp/doc_t"
	if [ -s "$tmp/doc_h" ] && cmp -s "$tmp/doc_h" "$tmp/doc_t"; then ok; else
		bad "$c: --help lists exactly the options of its table"; diff "$tmp/doc_h" "$tmp/doc_t"; fi
	# every option the help shows is accepted (with a value where it takes one)
	doc_rejected=""
	while read -r line; do
		set -- $(printf '%s\n' "$line" | sed -n 's/^  \(-[a-zA-Z]\)\{0,1\}\(, \)\{0,1\}\(--[a-z][a-z-]*\)\( [A-Z][A-Z-]*\)\{0,1\}.*/\1 \3 \4/p')
		[ $# -ge 1 ] || continue
		short="" long="" arg=""
		case $1 in --*) long=$1; arg=${2:-} ;; *) short=$1; long=$2; arg=${3:-} ;; esac
		val=""
		[ -n "$arg" ] && val=1
		[ "$long" = --output ] && val=json
		for o in $short $long; do
			# shellcheck disable=SC2086
			"$migctl" "$c" $o $val --help >/dev/null 2>"$tmp/err"
			grep -q 'unknown option or missing value' "$tmp/err" && doc_rejected="$doc_rejected $o"
		done
	done <"$tmp/doc_help"
	if [ -z "$doc_rejected" ]; then ok; else bad "$c: options in --help rejected:$doc_rejected"; fi
	# and the check can fail: an option not in the table is refused
	"$migctl" "$c" --no-such-option >/dev/null 2>"$tmp/err"
	if [ $? -eq 2 ] && grep -q 'unknown option or missing value' "$tmp/err"; then ok; else
		bad "$c: an unknown option is refused"; fi
done
expect_stdout "apply --help: -f is required in the synopsis" '^Usage: migctl apply -f FILE \[-c LABEL\]' -- apply --help
expect_stdout "--sim after the command" '^Driver .*\(simulator\)$' -- status --sim="$tmp/doc-sim-none" 

expect_exit "an empty -o value is a bad format (the fuzzer's hang)" 2 "bad output format '' \\(use text, json, config, k8s or slurm\\)" -- plan -o '' --demand 1g.10gb=1

# --- exit codes: one list ---------------------------------------------------
# The README's table lists exactly the X-macro's codes and names, in order.
sed -n 's/^| \([0-9][0-9]*\) | \([a-z-]*\) |.*/\1 \2/p' "$doc_root/README.md" >"$tmp/doc_readme"
"$migctl" __exit-codes | awk '{print $1, $2}' >"$tmp/doc_codes"
if [ -s "$tmp/doc_codes" ] && cmp -s "$tmp/doc_readme" "$tmp/doc_codes"; then ok; else
	bad "README exit-code table = MIGCTL_ERRORS"; diff "$tmp/doc_readme" "$tmp/doc_codes"; fi
expect_stdout "--help lists the exit codes from the X-macro" '14 busy, 15 no-driver' -- --help
expect_stdout "__exit-codes has the messages" '^23 +hook +a hook command failed$' -- __exit-codes

# --- man pages ---------------------------------------------------------------
expect_stdout "man page of apply: NAME" '^migctl-apply \\- apply a declarative layout' -- __man apply
expect_stdout "man page of apply: --unmatched" '^\.B \\-\\-unmatched \\fIPOLICY\\fR$' -- __man apply
expect_stdout "migctl(1) lists the commands" '^\.B layouts$' -- __man
expect_exit "__man of an unknown command" 2 "unknown command 'nope'" -- __man nope
if command -v man >/dev/null 2>&1; then
	for c in "" $("$migctl" __commands); do
		"$migctl" __man $c >"$tmp/doc.1"
		if MANWIDTH=80 man --warnings -l -P cat "$tmp/doc.1" >"$tmp/out" 2>"$tmp/err" &&
			[ ! -s "$tmp/err" ] && grep -q "^NAME" "$tmp/out"; then ok; else
			bad "man page ${c:-migctl} renders without warnings"; cat "$tmp/err"; fi
	done
	# `make install` puts them where man finds them (the build's own flags,
	# so nothing is rebuilt)
	doc_san=0
	case $doc_build in */check) doc_san=1 ;; esac
	if [ -f "$doc_root/Makefile" ] && command -v make >/dev/null 2>&1 &&
		make -s --no-print-directory -C "$doc_root" install BUILD="$doc_build" SANITIZE=$doc_san \
			DESTDIR="$tmp/inst" PREFIX=/usr >"$tmp/out" 2>"$tmp/err"; then
		if MANPATH="$tmp/inst/usr/share/man" man -P cat migctl-apply 2>"$tmp/err" | grep -q -- '--dry-run'; then
			ok; else bad "man migctl-apply after make install"; cat "$tmp/err"; fi
		if [ -f "$tmp/inst/usr/share/bash-completion/completions/migctl" ]; then ok; else
			bad "make install installs the bash completion"; fi
	else
		bad "make install DESTDIR=... PREFIX=/usr"; cat "$tmp/err"
	fi
fi

# --- bash completion -----------------------------------------------------------
"$migctl" __completion bash >"$tmp/doc_compl"
# doc_complete WORD...: what _migctl offers for the command line "migctl WORD..."
doc_complete() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _migctl; [ ${#COMPREPLY[@]} -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}"' \
		_ "$tmp/doc_compl" "$migctl" "$@" | sort | tr '\n' ' '
}
doc_expect() { # NAME GOT WANT
	if [ "$2" = "$3" ]; then ok; else bad "$1 (got '$2', want '$3')"; fi
}
if command -v bash >/dev/null 2>&1; then
	doc_expect "completion: complete -p" "$(bash -c '. "$1"; complete -p migctl' _ "$tmp/doc_compl")" "complete -F _migctl migctl"
	doc_expect "completion: a command" "$(doc_complete ap)" "apply "
	doc_expect "completion: commands after global options" "$(doc_complete --sim -o json st)" "status "
	doc_expect "completion: after --sim=DIR (split at '=')" "$(doc_complete --sim = "$tmp/x" st)" "status "
	doc_expect "completion: after MODEL:COUNT (split at ':')" "$(doc_complete plan --fleet a100-sxm4-80gb : 2,a3)" "2,a30 "
	doc_expect "completion: right after the ':'" "$(doc_complete plan --fleet a100-sxm4-80gb : )" ""
	doc_expect "completion: an option" "$(doc_complete apply --sk)" "--skip-reset "
	doc_expect "completion: a GI profile" "$(doc_complete create 1g.5)" "1g.5gb 1g.5gb+me "
	doc_expect "completion: the next item of a profile list" "$(doc_complete create -i 0 3g.20gb,4g.4)" "3g.20gb,4g.40gb 3g.20gb,4g.47gb 3g.20gb,4g.48gb "
	doc_expect "completion: a CI profile" "$(doc_complete create --gi 1 --ci 1c.3g.4)" "1c.3g.40gb 1c.3g.47gb 1c.3g.48gb "
	doc_expect "completion: a model" "$(doc_complete layouts a100-sxm4)" "a100-sxm4-40gb a100-sxm4-80gb "
	doc_expect "completion: a subcommand" "$(doc_complete catalog s)" "show "
	doc_expect "completion: a word list" "$(doc_complete apply --unmatched d)" "disable "
	doc_expect "completion: output formats" "$(doc_complete plan -o c)" "config "
	mkdir -p "$tmp/doc_files" && : >"$tmp/doc_files/layout.yaml"
	doc_expect "completion: a file" "$(doc_complete apply -f "$tmp/doc_files/lay")" "$tmp/doc_files/layout.yaml "
	doc_expect "completion: the personalities complete nothing" "$(doc_complete smi mig -)" ""
	# a completed model name is one the lookup accepts
	for m in $("$migctl" __complete layouts ''); do
		"$migctl" catalog show "$m" -o json >/dev/null 2>&1 || doc_bad_model="${doc_bad_model:-} $m"
	done
	if [ -z "${doc_bad_model:-}" ]; then ok; else bad "completed models the lookup rejects:$doc_bad_model"; fi
fi

# --- errors under -o json --------------------------------------------------------
"$migctl" -o json catalog show nope-gpu >"$tmp/out" 2>"$tmp/err"
doc_expect "-o json (global): exit code" "$?" 7
doc_expect "-o json (global): the error as JSON on stdout" "$(jq -c '.error | [.code, .name]' "$tmp/out")" '[7,"unknown-model"]'
"$migctl" catalog show nope-gpu -o json >"$tmp/out" 2>"$tmp/err"
doc_expect "-o json error: exit code" "$?" 7
if grep -q '^migctl: error: unknown GPU model "nope-gpu"' "$tmp/err" &&
	[ "$(jq -r .error.message "$tmp/out")" = "$(sed -n 's/^migctl: error: //p' "$tmp/err")" ]; then ok; else
	bad "-o json error: the same message on stderr as text"; cat "$tmp/out" "$tmp/err"; fi
"$migctl" list -o json --bogus >"$tmp/out" 2>"$tmp/err"
doc_expect "-o json usage error: JSON code" "$(jq -c '[.error.code, .error.name]' "$tmp/out")" '[2,"usage"]'
"$migctl" -o json stauts >"$tmp/out" 2>"$tmp/err"
doc_expect "-o json unknown command" "$(jq -r .error.message "$tmp/out")" "unknown command 'stauts'; did you mean 'status'?"
expect_exit "text errors print nothing on stdout" 7 'unknown GPU model' -- catalog show nope-gpu

# --- did you mean ----------------------------------------------------------------
expect_exit "mistyped command" 2 "unknown command 'stauts'; did you mean 'status'\\?" -- stauts
expect_exit "a100-40gb: both 40GB A100s" 7 'did you mean "NVIDIA A100-SXM4-40GB" or "NVIDIA A100-PCIE-40GB"\?' -- catalog show a100-40gb
expect_exit "A100-80GB: both 80GB A100s" 7 'did you mean "NVIDIA A100 80GB PCIe" or "NVIDIA A100-SXM4-80GB"\?' -- catalog show A100-80GB
expect_exit "mistyped profile" 8 'valid profiles: .*; did you mean "1g\.5gb" or "1g\.5gb\+me"\?$' -- layouts a100-sxm4-40gb --profiles 1g.5g

# --- H100 is the common H100 80GB HBM3 ----------------------------------------------
expect_json "H100 resolves to the H100 80GB HBM3" '[.name, .pci_device_ids[0]]' '["NVIDIA H100 80GB HBM3","0x2330"]' -- catalog show H100 -o json
expect_json "NVIDIA H100 is still the 94GB board" '.pci_device_ids[0]' '0x2339' -- catalog show "NVIDIA H100" -o json
