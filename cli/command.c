/* migctl CLI — the generic side of command descriptors: the option parser
 * every command shares (common options, unknown options, missing values)
 * and --help generated from the descriptor. */
#include <string.h>

#include "cli.h"

enum { KEY_OUTPUT = 'o', KEY_HELP = 'h', KEY_CATALOG = 0x4000, KEY_SIM, KEY_WAIT };

static int opt_key(const struct cli_opt *o)
{
	return o->key ? o->key : o->letter;
}

void cli_parse_init(struct cli_parse *p, struct cli *cli, const struct cli_command *cmd,
		    int argc, char **argv)
{
	static const struct option common[] = {
		{"output", required_argument, NULL, KEY_OUTPUT},
		{"catalog", required_argument, NULL, KEY_CATALOG},
		{"sim", optional_argument, NULL, KEY_SIM},
		{"wait", optional_argument, NULL, KEY_WAIT},
		{"help", no_argument, NULL, KEY_HELP},
	};
	size_t n = 0, ns = 0;

	memset(p, 0, sizeof(*p));
	p->cli = cli;
	p->cmd = cmd;
	p->argc = argc;
	p->argv = argv;
	if (cmd->flags & CLI_OPERANDS_LAST)
		p->shorts[ns++] = '+';
	p->shorts[ns++] = 'h';
	if (cmd->formats) {
		p->lopts[n++] = common[0];
		memcpy(p->shorts + ns, "o:", 2);
		ns += 2;
	}
	for (size_t i = 1; i < sizeof(common) / sizeof(common[0]); i++)
		p->lopts[n++] = common[i];
	for (const struct cli_opt *o = cmd->opts; o && o->name && n < CLI_MAX_OPTS + 4; o++) {
		p->lopts[n++] = (struct option){o->name, o->arg ? required_argument : no_argument,
						NULL, opt_key(o)};
		if (o->letter) {
			p->shorts[ns++] = o->letter;
			if (o->arg)
				p->shorts[ns++] = ':';
		}
	}
	p->shorts[ns] = '\0';
	optind = 0; /* 0: glibc re-initialises its scan state */
}

/* "a, b or c" from "a b c" (`last_sep` before the last word); with
 * `mark` after the first word. */
static void format_list(const char *formats, const char *mark, const char *last_sep,
			char *buf, size_t len)
{
	char words[128];
	char *save = NULL, *w;
	size_t used = 0, count = 1, i = 0;

	snprintf(words, sizeof(words), "%s", formats);
	for (const char *c = formats; *c; c++)
		count += *c == ' ';
	buf[0] = '\0';
	for (w = strtok_r(words, " ", &save); w && used < len; w = strtok_r(NULL, " ", &save), i++) {
		const char *sep = i == 0 ? "" : i + 1 == count ? last_sep : ", ";
		int r = snprintf(buf + used, len - used, "%s%s%s", sep, w, i == 0 ? mark : "");
		if (r < 0)
			break;
		used += (size_t)r;
	}
}

static bool has_word(const char *words, const char *word)
{
	size_t n = strlen(word);

	if (n == 0) /* "" is in every string: it would never advance */
		return false;
	for (const char *p = words; (p = strstr(p, word)) != NULL; p += n)
		if ((p == words || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return true;
	return false;
}

bool cli_format_is(const struct cli *cli, const char *format)
{
	return cli->format && strcmp(cli->format, format) == 0;
}

/* -o VALUE: one of the command's formats; "text" always names the default. */
static int set_output(struct cli_parse *p, const char *value)
{
	char list[128];

	if (!has_word(p->cmd->formats, value) && strcmp(value, "text") != 0) {
		format_list(p->cmd->formats, "", " or ", list, sizeof(list));
		p->rc = cli_usage_error(p->cli, p->cmd->name, "bad output format '%s' (use %s)",
					value, list);
		return CLI_PARSE_STOP;
	}
	p->cli->format = value;
	p->cli->output = strcmp(value, "json") == 0 ? CLI_JSON : CLI_TEXT;
	return 0;
}

int cli_next_opt(struct cli_parse *p)
{
	int opt;

	while ((opt = getopt_long(p->argc, p->argv, p->shorts, p->lopts, NULL)) != -1) {
		p->arg = optarg;
		switch (opt) {
		case KEY_OUTPUT:
			if (!p->cmd->formats) /* the command's own -o (cdi) */
				return opt;
			if (set_output(p, optarg))
				return CLI_PARSE_STOP;
			continue;
		case KEY_CATALOG:
			p->cli->catalog_file = optarg;
			continue;
		case KEY_SIM:
			p->cli->simulate = true;
			p->cli->sim_state = optarg;
			continue;
		case KEY_WAIT:
			if (cli_set_wait(p->cli, optarg) == 0)
				continue;
			p->rc = cli_usage_error(p->cli, p->cmd->name,
						"bad --wait '%s' (seconds, 0 to 86400)", optarg);
			return CLI_PARSE_STOP;
		case KEY_HELP:
			cli_print_help(stdout, p->cmd);
			p->rc = 0;
			return CLI_PARSE_STOP;
		case '?':
		case ':':
			p->rc = cli_usage_error(p->cli, p->cmd->name, "unknown option or missing value");
			return CLI_PARSE_STOP;
		default:
			return opt;
		}
	}
	p->ind = optind;
	return CLI_PARSE_END;
}

int cli_parse_gpu_list(struct cli *cli, const struct cli_command *cmd, int argc, char **argv,
		       const char **ids)
{
	struct cli_parse p;
	int opt;

	cli_parse_init(&p, cli, cmd, argc, argv);
	while ((opt = cli_next_opt(&p)) > 0)
		if (opt == 'i')
			*ids = p.arg;
	if (opt == CLI_PARSE_STOP)
		return p.rc;
	if (p.ind != argc)
		return cli_usage_error(cli, cmd->name, "unexpected argument '%s'", argv[p.ind]);
	return CLI_OPT_NEXT;
}

/* --- --help ---------------------------------------------------------------- */

#define HELP_MIN_COL 20
#define WRAP 79

/* "  -i, --id GPUS" into buf. */
static void opt_label(const struct cli_opt *o, char *buf, size_t len)
{
	snprintf(buf, len, "  %s%c%s--%s%s%s", o->letter ? "-" : "", o->letter ? o->letter : ' ',
		 o->letter ? ", " : "", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
	if (!o->letter)
		memmove(buf + 2, buf + 3, strlen(buf + 3) + 1);
}

/* Print `label` padded to `col`, then `help` with its continuation lines
 * indented to `col`. */
static void print_row(FILE *out, const char *label, const char *help, int col)
{
	int w = fprintf(out, "%s", label);
	if (w + 2 > col) {
		fputc('\n', out);
		w = 0;
	}
	for (const char *line = help; line;) {
		const char *nl = strchr(line, '\n');
		int n = nl ? (int)(nl - line) : (int)strlen(line);
		fprintf(out, "%*s%.*s\n", col - w, "", n, line);
		w = 0;
		line = nl ? nl + 1 : NULL;
	}
}

static const struct cli_opt common_help[] = {
	{"catalog", 0, 0, "FILE", "add or override GPU models from FILE\n(docs/catalog-format.md)", CLI_V_FILE, NULL, false},
	{"sim", 0, 0, NULL, "use the bundled GPU simulator (--sim=DIR: its state\nin DIR); also a global option, before the command", CLI_V_NONE, NULL, false},
	{"wait", 0, 0, NULL, "when another migctl holds the node lock, wait\nfor it (--wait=SECONDS: at most that long); without\n--wait a command that changes the node exits 24 at once", CLI_V_NONE, NULL, false},
	{"help", 'h', 0, NULL, "show this help", CLI_V_NONE, NULL, false},
	{NULL, 0, 0, NULL, NULL, CLI_V_NONE, NULL, false},
};

static int label_width(const struct cli_command *cmd)
{
	char label[96];
	int col = HELP_MIN_COL;

	for (const struct cli_opt *o = cmd->opts; o && o->name; o++) {
		opt_label(o, label, sizeof(label));
		if ((int)strlen(label) + 2 > col && strlen(label) + 2 <= 30)
			col = (int)strlen(label) + 2;
	}
	return col;
}

/* The synopsis of a command without forms: operands, then each option. */
static void print_synopsis(FILE *out, const struct cli_command *cmd)
{
	int indent = (int)strlen("Usage: migctl  ") + (int)strlen(cmd->name);
	int w = fprintf(out, "Usage: migctl %s", cmd->name);
	char item[128];

	if (cmd->operands)
		w += fprintf(out, " %s", cmd->operands);
	for (const struct cli_opt *o = cmd->opts; o && o->name; o++) {
		const char *open = o->required ? "" : "[", *close = o->required ? "" : "]";
		if (o->letter)
			snprintf(item, sizeof(item), "%s-%c%s%s%s", open, o->letter, o->arg ? " " : "",
				 o->arg ? o->arg : "", close);
		else
			snprintf(item, sizeof(item), "%s--%s%s%s%s", open, o->name, o->arg ? " " : "",
				 o->arg ? o->arg : "", close);
		if (w + 1 + (int)strlen(item) > WRAP) {
			fprintf(out, "\n%*s", indent - 1, "");
			w = indent - 1;
		}
		w += fprintf(out, " %s", item);
	}
	if (cmd->formats) {
		char f[64];
		snprintf(f, sizeof(f), "[-o %s]", cmd->formats);
		for (char *c = f; *c; c++)
			if (*c == ' ' && c > f + 3)
				*c = '|';
		if (w + 1 + (int)strlen(f) > WRAP)
			fprintf(out, "\n%*s", indent - 1, "");
		fprintf(out, " %s", f);
	}
	fputc('\n', out);
}

void cli_print_help(FILE *out, const struct cli_command *cmd)
{
	char label[96], formats[160];
	int col = label_width(cmd);

	if (cmd->forms) {
		for (size_t i = 0; cmd->forms[i]; i++)
			fprintf(out, "%s migctl %s %s\n", i ? "      " : "Usage:", cmd->name, cmd->forms[i]);
	} else {
		print_synopsis(out, cmd);
	}
	fprintf(out, "\n%s", cmd->description);
	if (cmd->flags & CLI_OWN_PARSER)
		return;
	fprintf(out, "\nOptions:\n");
	for (const struct cli_opt *o = cmd->opts; o && o->name; o++) {
		opt_label(o, label, sizeof(label));
		print_row(out, label, o->help, col);
	}
	if (cmd->formats) {
		char list[128];
		format_list(cmd->formats, " (default)",
			    strchr(cmd->formats, ' ') != strrchr(cmd->formats, ' ') ? ", or " : " or ",
			    list, sizeof(list));
		snprintf(formats, sizeof(formats), "%s%s", list,
			 cmd->format_note ? cmd->format_note : "");
		print_row(out, "  -o, --output FMT", formats, col);
	}
	for (const struct cli_opt *o = common_help; o->name; o++) {
		opt_label(o, label, sizeof(label));
		print_row(out, label, o->help, col);
	}
	if (cmd->epilogue)
		fprintf(out, "\n%s", cmd->epilogue);
}
