/* migctl CLI — what is generated from the command descriptors besides
 * --help: man pages (migctl __man [COMMAND]), bash completion (the script
 * from migctl __completion bash, and the migctl __complete WORDS... helper
 * it calls), and the exit-code list (migctl __exit-codes). These hidden
 * commands are for the build and for the shell, not for users. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

#define MAN_SECTION "1"
#define MAN_SOURCE "migctl 0.1.0"

/* --- roff ------------------------------------------------------------------ */

/* One line of text for roff: backslashes and leading dots or quotes
 * escaped, '-' as \- so that options can be searched and copied. */
static void roff_line(FILE *out, const char *s, size_t n)
{
	if (n && (s[0] == '.' || s[0] == '\''))
		fputs("\\&", out);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\')
			fputs("\\e", out);
		else if (s[i] == '-')
			fputs("\\-", out);
		else
			fputc(s[i], out);
	}
	fputc('\n', out);
}

/* Text as the help prints it: paragraphs split at blank lines; a paragraph
 * with indented lines (lists, examples) stays as it is (.nf), the others
 * are filled. */
static void roff_text(FILE *out, const char *text)
{
	const char *p = text;

	while (p && *p) {
		const char *end = strstr(p, "\n\n");
		size_t len = end ? (size_t)(end - p + 1) : strlen(p);
		bool literal = false;

		for (const char *l = p; l < p + len; l = strchr(l, '\n') + 1) {
			literal |= l[0] == ' ';
			if (!strchr(l, '\n'))
				break;
		}
		fputs(".PP\n", out);
		if (literal)
			fputs(".nf\n", out);
		for (const char *l = p; l < p + len;) {
			const char *nl = memchr(l, '\n', (size_t)(p + len - l));
			size_t n = nl ? (size_t)(nl - l) : (size_t)(p + len - l);
			roff_line(out, l, n);
			l += n + 1;
		}
		if (literal)
			fputs(".fi\n", out);
		p = end ? end + 2 : NULL;
	}
}

static void roff_option(FILE *out, const struct cli_opt *o)
{
	fputs(".TP\n.B ", out);
	if (o->letter)
		fprintf(out, "\\-%c, ", o->letter);
	fputs("\\-\\-", out);
	for (const char *c = o->name; *c; c++)
		fputs(*c == '-' ? "\\-" : (char[2]){*c, 0}, out);
	if (o->arg)
		fprintf(out, " \\fI%s\\fR", o->arg);
	fputc('\n', out);
	for (const char *l = o->help; l;) {
		const char *nl = strchr(l, '\n');
		roff_line(out, l, nl ? (size_t)(nl - l) : strlen(l));
		l = nl ? nl + 1 : NULL;
	}
}

static void man_header(FILE *out, const char *name, const char *summary)
{
	char upper[64];
	size_t i;

	for (i = 0; name[i] && i < sizeof(upper) - 1; i++)
		upper[i] = (char)toupper((unsigned char)name[i]);
	upper[i] = '\0';
	fprintf(out, ".TH %s %s \"\" \"%s\" \"migctl manual\"\n.SH NAME\n", upper, MAN_SECTION,
		MAN_SOURCE);
	fprintf(out, "%s \\- ", name);
	roff_line(out, summary, strlen(summary));
}

static void man_exit_codes(FILE *out)
{
	enum migctl_err code;
	const char *name, *msg;

	fputs(".SH EXIT STATUS\n", out);
	for (size_t i = 0; migctl_err_entry(i, &code, &name, &msg); i++) {
		fprintf(out, ".TP\n.B %d\n", (int)code);
		fprintf(out, "%s: ", name);
		roff_line(out, msg, strlen(msg));
	}
}

/* migctl(1): the global options and the list of commands. */
static void man_main(FILE *out)
{
	man_header(out, "migctl", "partition NVIDIA GPUs with Multi-Instance GPU (MIG)");
	fputs(".SH SYNOPSIS\n.B migctl\n[\\-\\-sim[=\\fIDIR\\fR]] [\\-\\-catalog \\fIFILE\\fR] "
	      "[\\-o text|json] \\fICOMMAND\\fR [\\fIARGS\\fR...]\n", out);
	fputs(".SH DESCRIPTION\nmigctl plans, creates, applies and shows MIG layouts on NVIDIA\n"
	      "GPUs, through the driver (NVML) or the bundled simulator.\n"
	      "Each command has its own page, \\fBmigctl\\-\\fICOMMAND\\fR(1), and its\n"
	      "own \\fB\\-\\-help\\fR.\n.SH COMMANDS\n", out);
	for (size_t i = 0; i < cli_n_commands; i++) {
		fprintf(out, ".TP\n.B %s\n", cli_commands[i]->name);
		roff_line(out, cli_commands[i]->summary, strlen(cli_commands[i]->summary));
	}
	fputs(".SH GLOBAL OPTIONS\n"
	      ".TP\n.BR \\-\\-sim [=\\fIDIR\\fR]\nuse the bundled GPU simulator (state in DIR, else\n"
	      "$MIGSIM_STATE, else the per-user default); MIGCTL_SIM=1 does the same\n"
	      ".TP\n.B \\-\\-catalog \\fIFILE\\fR\nadd or override GPU models\n"
	      ".TP\n.B \\-o, \\-\\-output \\fIFMT\\fR\ntext (default) or json\n"
	      ".TP\n.BR \\-\\-wait [=\\fISECONDS\\fR]\nwhen another migctl holds the node lock, wait for it (at most\nSECONDS); without it a command that changes the node exits 24 at once\n"
	      ".TP\n.B \\-h, \\-\\-help\nshow the help\n"
	      ".TP\n.B \\-\\-version\nprint the version\n", out);
	man_exit_codes(out);
	fputs(".SH SEE ALSO\n", out);
	for (size_t i = 0; i < cli_n_commands; i++)
		fprintf(out, ".BR migctl\\-%s (1)%s\n", cli_commands[i]->name,
			i + 1 < cli_n_commands ? "," : "");
}

/* migctl-COMMAND(1), from the same descriptor as its --help. */
static void man_command(FILE *out, const struct cli_command *cmd)
{
	char name[64];

	snprintf(name, sizeof(name), "migctl-%s", cmd->name);
	man_header(out, name, cmd->summary);
	fputs(".SH SYNOPSIS\n.nf\n", out);
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	if (mem) {
		cli_print_help(mem, cmd);
		fclose(mem);
		/* The usage lines are the help's first paragraph, less the
		 * "Usage: " column. */
		char *end = strstr(buf, "\n\n");
		for (char *l = buf; end && l < end;) {
			char *nl = strchr(l, '\n');
			size_t skip = strspn(l, " ");
			if (strncmp(l, "Usage: ", 7) == 0 || skip >= 7)
				l += 7;
			roff_line(out, l, (size_t)(nl - l));
			l = nl + 1;
		}
		free(buf);
	}
	fputs(".fi\n.SH DESCRIPTION\n", out);
	roff_text(out, cmd->description);
	if (!(cmd->flags & CLI_OWN_PARSER)) {
		fputs(".SH OPTIONS\n", out);
		for (const struct cli_opt *o = cmd->opts; o && o->name; o++)
			roff_option(out, o);
		if (cmd->formats)
			fprintf(out, ".TP\n.B \\-o, \\-\\-output \\fIFMT\\fR\none of: %s (the first is the default)\n",
				cmd->formats);
		fputs(".TP\n.B \\-\\-catalog \\fIFILE\\fR\nadd or override GPU models from FILE\n"
		      ".TP\n.B \\-\\-sim\nuse the simulator\n"
		      ".TP\n.BR \\-\\-wait [=\\fISECONDS\\fR]\nwait for the node lock (at most SECONDS)\n"
		      ".TP\n.B \\-h, \\-\\-help\nshow the help\n", out);
	}
	if (cmd->epilogue) {
		fputs(".SH NOTES\n", out);
		roff_text(out, cmd->epilogue);
	}
	man_exit_codes(out);
	fputs(".SH SEE ALSO\n.BR migctl (1)\n", out);
}

/* --- completion -------------------------------------------------------------- */

static const char completion_script[] =
	"# bash completion for migctl, generated by 'migctl __completion bash'.\n"
	"# Commands, options and values (models, profiles) come from the\n"
	"# binary itself ('migctl __complete WORDS...'), so they match it.\n"
	"_migctl() {\n"
	"\tlocal words=() w i out part cur strip\n"
	"\t# Bash splits words at '=' and ':' (--sim=DIR, MODEL:COUNT): join them\n"
	"\t# again for migctl, and strip what bash keeps from the answers.\n"
	"\tfor ((i = 1; i <= COMP_CWORD; i++)); do\n"
	"\t\tw=${COMP_WORDS[i]}\n"
	"\t\tif [ ${#words[@]} -gt 0 ] && [[ $w == [=:] || ${words[-1]} == *[=:] ]]; then\n"
	"\t\t\twords[-1]+=$w\n"
	"\t\telse\n"
	"\t\t\twords+=(\"$w\")\n"
	"\t\tfi\n"
	"\tdone\n"
	"\tcur=${words[-1]} part=${COMP_WORDS[COMP_CWORD]}\n"
	"\t[[ $part == [=:] ]] && part=\n"
	"\tstrip=$((${#cur} - ${#part}))\n"
	"\tout=$(\"${COMP_WORDS[0]}\" __complete \"${words[@]}\" 2>/dev/null) || return 0\n"
	"\tCOMPREPLY=()\n"
	"\tif [ \"$out\" = __file__ ]; then\n"
	"\t\tmapfile -t COMPREPLY < <(compgen -f -- \"$part\")\n"
	"\t\treturn 0\n"
	"\tfi\n"
	"\twhile IFS= read -r w; do\n"
	"\t\t[ -n \"$w\" ] && COMPREPLY+=(\"${w:strip}\")\n"
	"\tdone <<<\"$out\"\n"
	"}\n"
	"complete -F _migctl migctl\n";

/* Print each of `words` (space-separated) that starts with `cur`. */
static void offer_words(const char *words, const char *prefix, const char *cur)
{
	size_t n = strlen(cur);

	for (const char *w = words; *w;) {
		size_t len = strcspn(w, " ");
		if (len >= n && strncmp(w, cur, n) == 0)
			printf("%s%.*s\n", prefix, (int)len, w);
		w += len;
		w += *w == ' ';
	}
}

static void offer(const char *word, const char *prefix, const char *cur)
{
	if (strncmp(word, cur, strlen(cur)) == 0)
		printf("%s%s\n", prefix, word);
}

/* "NVIDIA A100 80GB PCIe" -> "a100-80gb-pcie": what the lookup accepts,
 * as one shell word. */
static void model_word(const char *name, char *out, size_t len)
{
	size_t n = 0;

	if (strncasecmp(name, "NVIDIA ", 7) == 0)
		name += 7;
	for (; *name && n + 1 < len; name++)
		out[n++] = *name == ' ' ? '-' : (char)tolower((unsigned char)*name);
	out[n] = '\0';
}

static bool seen_profile(const struct migctl_catalog *cat, size_t m, size_t g, bool ci, size_t c)
{
	const char *name = ci ? cat->models[m].gi[g].ci[c].name : cat->models[m].gi[g].name;

	for (size_t i = 0; i <= m; i++)
		for (size_t j = 0; j < cat->models[i].n_gi; j++) {
			const struct migctl_gi_profile *gi = &cat->models[i].gi[j];
			if (!ci) {
				if (i == m && j == g)
					return false;
				if (strcmp(gi->name, name) == 0)
					return true;
				continue;
			}
			for (size_t k = 0; k < gi->n_ci; k++) {
				if (i == m && j == g && k == c)
					return false;
				if (strcmp(gi->ci[k].name, name) == 0)
					return true;
			}
		}
	return false;
}

/* Values of one kind that start with `cur`; a comma list completes its
 * last item. */
static void offer_values(struct cli *cli, enum cli_values kind, const char *words, const char *cur)
{
	struct migctl_error err = {0};
	const char *comma = strrchr(cur, ',');
	char prefix[256] = "";
	char word[MIGCTL_NAME_MAX];

	if (kind == CLI_V_FILE) {
		printf("__file__\n");
		return;
	}
	if (kind == CLI_V_WORDS) {
		offer_words(words, "", cur);
		return;
	}
	if (kind == CLI_V_NONE || kind == CLI_V_GPU || cli_catalog(cli, &err))
		return;
	if (comma && (size_t)(comma - cur + 1) < sizeof(prefix)) {
		snprintf(prefix, sizeof(prefix), "%.*s", (int)(comma - cur + 1), cur);
		cur = comma + 1;
	}
	const struct migctl_catalog *cat = &cli->catalog;
	for (size_t m = 0; m < cat->n_models; m++) {
		if (kind == CLI_V_MODEL) {
			model_word(cat->models[m].name, word, sizeof(word));
			offer(word, prefix, cur);
			continue;
		}
		for (size_t g = 0; g < cat->models[m].n_gi; g++) {
			const struct migctl_gi_profile *gi = &cat->models[m].gi[g];
			if (kind == CLI_V_PROFILE && !seen_profile(cat, m, g, false, 0))
				offer(gi->name, prefix, cur);
			for (size_t c = 0; kind == CLI_V_CI_PROFILE && c < gi->n_ci; c++)
				if (!seen_profile(cat, m, g, true, c))
					offer(gi->ci[c].name, prefix, cur);
		}
	}
}

/* The option of `cmd` that `word` names ("--name" or "-x"), or NULL. */
static const struct cli_opt *find_opt(const struct cli_command *cmd, const char *word)
{
	for (const struct cli_opt *o = cmd->opts; o && o->name; o++)
		if ((word[0] == '-' && word[1] == '-' && strcmp(word + 2, o->name) == 0) ||
		    (word[0] == '-' && word[1] == o->letter && o->letter && word[2] == '\0'))
			return o;
	return NULL;
}

/* Words of one command after its name: options, values, operands. */
static void complete_command(struct cli *cli, const struct cli_command *cmd, int n, char **w)
{
	const char *cur = w[n - 1];
	const struct cli_opt *o = NULL;
	int operands = 0;

	if (cmd->flags & CLI_OWN_PARSER)
		return;
	for (int i = 0; i < n - 1; i++) {
		o = NULL;
		if (strcmp(w[i], "-o") == 0 || strcmp(w[i], "--output") == 0 ||
		    strcmp(w[i], "--catalog") == 0 || ((o = find_opt(cmd, w[i])) && o->arg)) {
			if (strcmp(w[i], "--catalog") == 0 && i + 1 < n - 1)
				cli->catalog_file = w[i + 1];
			if (i + 1 == n - 1) { /* `cur` is this option's value */
				if (strcmp(w[i], "--catalog") == 0)
					offer_values(cli, CLI_V_FILE, NULL, cur);
				else if (w[i][1] == 'o' || strcmp(w[i], "--output") == 0)
					offer_words(cmd->formats ? cmd->formats : "", "", cur);
				else if (o)
					offer_values(cli, o->values, o->words, cur);
				return;
			}
			i++;
		} else if (w[i][0] != '-') {
			operands++;
		}
	}
	if (cur[0] == '-') {
		char name[64];
		for (o = cmd->opts; o && o->name; o++) {
			snprintf(name, sizeof(name), "--%s", o->name);
			offer(name, "", cur);
		}
		if (cmd->formats)
			offer("--output", "", cur);
		offer_words("--catalog --sim --wait --help", "", cur);
		return;
	}
	if (operands == 0 && cmd->operand_words)
		offer_words(cmd->operand_words, "", cur);
	else if (cmd->operand_values != CLI_V_WORDS)
		offer_values(cli, cmd->operand_values, NULL, cur);
}

/* migctl __complete WORDS...: WORDS are the command line after "migctl"
 * up to the word being completed (the last, maybe empty). */
static int complete(struct cli *cli, int n, char **w)
{
	int i = 0;

	if (n == 0)
		return 0;
	for (; i < n - 1 && w[i][0] == '-'; i++) {
		bool takes = strcmp(w[i], "--catalog") == 0 || strcmp(w[i], "-o") == 0 ||
			     strcmp(w[i], "--output") == 0;
		if (takes && i + 1 == n - 1) {
			if (strcmp(w[i], "--catalog") == 0)
				offer_values(cli, CLI_V_FILE, NULL, w[n - 1]);
			else
				offer_words("text json", "", w[n - 1]);
			return 0;
		}
		if (takes && strcmp(w[i], "--catalog") == 0)
			cli->catalog_file = w[i + 1];
		i += takes;
	}
	if (i == n - 1) {
		if (w[i][0] == '-')
			offer_words("--sim --catalog --output --wait --help --version", "", w[i]);
		else
			for (size_t c = 0; c < cli_n_commands; c++)
				offer(cli_commands[c]->name, "", w[i]);
		return 0;
	}
	const struct cli_command *cmd = cli_find_command(w[i]);
	if (cmd)
		complete_command(cli, cmd, n - i - 1, w + i + 1);
	return 0;
}

/* --- dispatch of the hidden commands ------------------------------------------ */

int cli_doc_main(struct cli *cli, int argc, char **argv)
{
	const char *what = argv[0];

	if (strcmp(what, "__complete") == 0)
		return complete(cli, argc - 1, argv + 1);
	if (strcmp(what, "__completion") == 0 && argc == 2 && strcmp(argv[1], "bash") == 0) {
		fputs(completion_script, stdout);
		return 0;
	}
	if (strcmp(what, "__exit-codes") == 0 && argc == 1) {
		migctl_err_print_table(stdout, NULL); /* the table migsim --help prints */
		return 0;
	}
	if (strcmp(what, "__man") == 0 && argc <= 2) {
		const struct cli_command *cmd = argc == 2 ? cli_find_command(argv[1]) : NULL;
		if (argc == 2 && !cmd)
			return cli_usage_error(cli, "__man", "unknown command '%s'", argv[1]);
		if (cmd)
			man_command(stdout, cmd);
		else
			man_main(stdout);
		return 0;
	}
	if (strcmp(what, "__commands") == 0 && argc == 1) {
		for (size_t c = 0; c < cli_n_commands; c++)
			printf("%s\n", cli_commands[c]->name);
		return 0;
	}
	fprintf(stderr, "migctl: unknown command '%s'. Run 'migctl --help' for the list.\n", what);
	return MIGCTL_ERR_USAGE;
}
