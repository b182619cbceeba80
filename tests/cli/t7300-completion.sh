#!/usr/bin/env bash
# Bash completion (completion/qga-forge.bash): sourced in a bash, its function
# is called with COMP_WORDS/COMP_CWORD as bash would, and COMPREPLY is checked.
. "$(dirname "$0")/lib.sh"

COMPLETION="$SRC_ROOT/completion/qga-forge.bash"

# complete WORD...: the candidates for the last WORD, one per line, sorted.
cat >complete.sh <<'EOF2'
. "$COMPLETION" || exit 1
COMP_WORDS=("$@")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMP_LINE="$*"
COMP_POINT=${#COMP_LINE}
_qga_forge || exit 1
[ ${#COMPREPLY[@]} -eq 0 ] || printf '%s\n' "${COMPREPLY[@]}" | LC_ALL=C sort
EOF2
complete() {
	COMPLETION="$COMPLETION" bash complete.sh "$@"
}

test_expect_success 'sourcing it registers the function for qga-forge' '
	bash -c ". \"$COMPLETION\" && complete -p qga-forge" >reg &&
	test_grep "complete -F _qga_forge qga-forge" reg
'

test_expect_success 'an empty word completes to every subcommand' '
	complete qga-forge "" >got &&
	qga-forge help | sed -n "s/^  \([a-z][a-z-]*\) .*/\1/p" | LC_ALL=C sort >expect &&
	test -s expect &&
	test_cmp expect got
'

test_expect_success 'a prefix completes to the matching subcommands' '
	complete qga-forge pu >got &&
	echo publish >expect &&
	test_cmp expect got &&
	complete qga-forge re >got &&
	echo remove-command >expect &&
	test_cmp expect got
'

test_expect_success "a command's options come from its --help" '
	complete qga-forge build -- >got &&
	for o in --container --mock --srpm-only --nodeps --output --define --jobs --workspace --json; do
		test_grep "^$o$" got || exit 1
	done &&
	test_grep -v "^--sign$" got &&
	complete qga-forge publish --s >got &&
	printf "%s\n" --sign >expect &&
	test_cmp expect got
'

test_expect_success 'spec completes its actions, then the options of an action' '
	complete qga-forge spec "" >got &&
	printf "%s\n" add-patch bump check renumber >expect &&
	test_cmp expect got &&
	complete qga-forge spec bump --c >got &&
	printf "%s\n" --changelog --convert-patch-macros >expect &&
	test_cmp expect got
'

test_expect_success 'option values: --container el7, directories for --repo' '
	complete qga-forge build --container "" >got &&
	echo el7 >expect &&
	test_cmp expect got &&
	mkdir -p repo.d && : >repo.file &&
	complete qga-forge publish out --repo rep >got &&
	echo repo.d >expect &&
	test_cmp expect got
'

test_expect_success 'file arguments: src.rpms for init and forge, .qapi for --command' '
	: >a.src.rpm && : >b.txt && : >c.qapi && mkdir -p sub &&
	complete qga-forge init "" >got &&
	test_grep "^a.src.rpm$" got &&
	test_grep "^sub$" got &&
	test_grep -v "^b.txt$" got &&
	complete qga-forge forge a.src.rpm --command "" >got &&
	test_grep "^c.qapi$" got &&
	test_grep -v "^a.src.rpm$" got
'

test_expect_success 'help completes command names' '
	complete qga-forge help bu >got &&
	echo build >expect &&
	test_cmp expect got
'

test_done
