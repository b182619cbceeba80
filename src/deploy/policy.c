#include <stdlib.h>
#include <string.h>

#include "deploy.h"
#include "util/util.h"
#include "util/banned.h"

/* The environment variables vendors ship, and the agent option each becomes. */
static const struct {
	const char *key, *option;
	enum deploy_policy_kind kind;
} env_keys[] = {
	{ "BLACKLIST_RPC", "--blacklist", DEPLOY_POLICY_BLOCK },  /* CentOS 7, RHEL 8 */
	{ "BLOCK_RPCS", "--block-rpcs", DEPLOY_POLICY_BLOCK },    /* RHEL 9.0-9.3 */
};

/* Options inside FILTER_RPC_ARGS (RHEL 9.4+, 10) and the like. */
static const struct {
	const char *prefix, *option;
	enum deploy_policy_kind kind;
} arg_options[] = {
	{ "--allow-rpcs=", "--allow-rpcs", DEPLOY_POLICY_ALLOW },
	{ "--block-rpcs=", "--block-rpcs", DEPLOY_POLICY_BLOCK },
	{ "--blacklist=", "--blacklist", DEPLOY_POLICY_BLOCK },
	{ "-a", "--allow-rpcs", DEPLOY_POLICY_ALLOW },
	{ "-b", "--block-rpcs", DEPLOY_POLICY_BLOCK },
};

/* qemu-ga.conf keys of [general] (8.0 added allow-rpcs; blacklist is 2.12's name). */
static const struct {
	const char *key, *option;
	enum deploy_policy_kind kind;
} conf_keys[] = {
	{ "block-rpcs", "--block-rpcs", DEPLOY_POLICY_BLOCK },
	{ "blacklist", "--blacklist", DEPLOY_POLICY_BLOCK },
	{ "allow-rpcs", "--allow-rpcs", DEPLOY_POLICY_ALLOW },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void list_release(struct deploy_policy_list *l)
{
	size_t i;

	free(l->key);
	free(l->option);
	for (i = 0; i < l->nnames; i++)
		free(l->names[i]);
	free(l->names);
	memset(l, 0, sizeof(*l));
}

void deploy_policy_release(struct deploy_policy *p)
{
	size_t i;

	for (i = 0; i < p->nlists; i++)
		list_release(&p->lists[i]);
	free(p->lists);
	free(p->file);
	memset(p, 0, sizeof(*p));
}

/* Record a list text[start, end) for key; a later assignment of the same key replaces it. */
static void add_list(struct deploy_policy *p, enum deploy_policy_kind kind, const char *key,
		     const char *option, const char *text, size_t start, size_t end)
{
	struct deploy_policy_list l;
	size_t i, s;
	const char *q;

	memset(&l, 0, sizeof(l));
	l.kind = kind;
	l.key = xstrdup(key);
	l.option = xstrdup(option);
	l.start = start;
	l.end = end;
	l.line = 1;
	for (q = text; q < text + start; q++) {
		if (*q == '\n') {
			l.line++;
			l.col = 0;
		} else {
			l.col++;
		}
	}
	l.col++;
	for (s = start; s < end;) {
		size_t e = s;

		while (e < end && text[e] != ',')
			e++;
		if (e > s) {
			l.names = xrealloc(l.names, (l.nnames + 1) * sizeof(*l.names));
			l.names[l.nnames++] = xstrndup(text + s, e - s);
		}
		s = e + 1;
	}
	for (i = 0; i < p->nlists; i++) {
		if (!strcmp(p->lists[i].key, key) && !strcmp(p->lists[i].option, option)) {
			list_release(&p->lists[i]);
			p->lists[i] = l;
			return;
		}
	}
	p->lists = xrealloc(p->lists, (p->nlists + 1) * sizeof(*p->lists));
	p->lists[p->nlists++] = l;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* The options inside a FILTER_RPC_ARGS-like value text[s, e). */
static void parse_args_value(struct deploy_policy *p, const char *key, const char *text, size_t s,
			     size_t e)
{
	size_t i = s, k;

	while (i < e) {
		size_t w = i, we;

		while (w < e && is_blank(text[w]))
			w++;
		we = w;
		while (we < e && !is_blank(text[we]))
			we++;
		for (k = 0; k < N(arg_options); k++) {
			size_t pl = strlen(arg_options[k].prefix), ls, le;

			if (we - w < pl || memcmp(text + w, arg_options[k].prefix, pl))
				continue;
			ls = w + pl;
			if (arg_options[k].prefix[1] != '-' && ls == we) {
				/* "-a LIST": the list is the next word */
				ls = we;
				while (ls < e && is_blank(text[ls]))
					ls++;
				le = ls;
				while (le < e && !is_blank(text[le]))
					le++;
				we = le;
			} else if (arg_options[k].prefix[1] != '-') {
				continue;  /* "-abc" is not "-a" */
			} else {
				le = we;
			}
			add_list(p, arg_options[k].kind, key, arg_options[k].option, text, ls, le);
			break;
		}
		i = we > i ? we : i + 1;
	}
}

static void parse_env_line(struct deploy_policy *p, const char *text, size_t s, size_t e)
{
	size_t k, eq, vs, ve;

	while (s < e && is_blank(text[s]))
		s++;
	if (s == e || text[s] == '#' || text[s] == ';')
		return;
	for (eq = s; eq < e && text[eq] != '='; eq++)
		;
	if (eq == e)
		return;
	vs = eq + 1;
	ve = e;
	while (ve > vs && (is_blank(text[ve - 1]) || text[ve - 1] == '\r'))
		ve--;
	if (ve - vs >= 2 && (text[vs] == '"' || text[vs] == '\'') && text[ve - 1] == text[vs]) {
		vs++;
		ve--;
	}
	for (k = 0; k < N(env_keys); k++)
		if (strlen(env_keys[k].key) == eq - s && !memcmp(text + s, env_keys[k].key, eq - s)) {
			add_list(p, env_keys[k].kind, env_keys[k].key, env_keys[k].option, text, vs, ve);
			return;
		}
	if (eq - s == strlen("FILTER_RPC_ARGS") && !memcmp(text + s, "FILTER_RPC_ARGS", eq - s)) {
		char *key = xstrndup(text + s, eq - s);

		/* a new assignment replaces whatever the variable said before */
		for (k = 0; k < p->nlists;) {
			if (!strcmp(p->lists[k].key, key)) {
				list_release(&p->lists[k]);
				memmove(&p->lists[k], &p->lists[k + 1],
					(p->nlists - k - 1) * sizeof(*p->lists));
				p->nlists--;
			} else {
				k++;
			}
		}
		parse_args_value(p, key, text, vs, ve);
		free(key);
	}
}

static void parse_conf_line(struct deploy_policy *p, const char *text, size_t s, size_t e,
			    bool in_general)
{
	size_t k, eq, ke, vs, ve;

	while (s < e && is_blank(text[s]))
		s++;
	if (!in_general || s == e || text[s] == '#')
		return;
	for (eq = s; eq < e && text[eq] != '='; eq++)
		;
	if (eq == e)
		return;
	ke = eq;
	while (ke > s && is_blank(text[ke - 1]))
		ke--;
	vs = eq + 1;
	while (vs < e && is_blank(text[vs]))
		vs++;
	ve = e;
	while (ve > vs && (is_blank(text[ve - 1]) || text[ve - 1] == '\r'))
		ve--;
	for (k = 0; k < N(conf_keys); k++)
		if (strlen(conf_keys[k].key) == ke - s && !memcmp(text + s, conf_keys[k].key, ke - s))
			add_list(p, conf_keys[k].kind, conf_keys[k].key, conf_keys[k].option, text, vs, ve);
}

int deploy_policy_parse(struct deploy_policy *out, const char *file, const char *text, size_t len)
{
	size_t s, e;
	bool in_general = false;

	memset(out, 0, sizeof(*out));
	if (memchr(text, '\0', len))
		return error_set(ERR_INPUT, "%s: not a text file", file);
	out->file = xstrdup(file);
	for (s = 0; s < len; s = e + 1) {
		size_t t = s;

		for (e = s; e < len && text[e] != '\n'; e++)
			;
		while (t < e && is_blank(text[t]))
			t++;
		if (t < e && text[t] == '[')
			out->is_conf = true;
		if (e == len)
			break;
	}
	for (s = 0; s < len; s = e + 1) {
		size_t t = s;

		for (e = s; e < len && text[e] != '\n'; e++)
			;
		while (t < e && is_blank(text[t]))
			t++;
		if (out->is_conf && t < e && text[t] == '[') {
			in_general = e - t >= 9 && !memcmp(text + t, "[general]", 9);
		} else if (out->is_conf) {
			parse_conf_line(out, text, s, e, in_general);
		} else {
			parse_env_line(out, text, s, e);
		}
		if (e == len)
			break;
	}
	return 0;
}

static bool list_has(const struct deploy_policy_list *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->nnames; i++)
		if (!strcmp(l->names[i], name))
			return true;
	return false;
}

int deploy_policy_allow(struct buf *out, size_t *added, const struct deploy_policy *p,
			const char *text, size_t len, const char *const *names, size_t n)
{
	size_t i, j, count = 0;
	long k;

	buf_reset(out);
	if (added)
		*added = 0;
	for (i = 0; i < p->nlists; i++) {
		const struct deploy_policy_list *l = &p->lists[i];

		if (l->kind != DEPLOY_POLICY_BLOCK)
			continue;
		for (j = 0; j < n; j++)
			if (list_has(l, names[j]))
				return error_set(ERR_INPUT, "%s:%d:%d: %s (%s) blocks '%s': the command "
						 "would answer \"has been disabled\" on every host that "
						 "installs the package; take it out of that list (a patch "
						 "of this Source) or choose another name", p->file,
						 l->line, l->col, l->key, l->option, names[j]);
	}
	buf_put(out, text, len);
	/* From the last list back, so the offsets of earlier ones stay right. */
	for (k = (long)p->nlists - 1; k >= 0; k--) {
		const struct deploy_policy_list *l = &p->lists[k];
		struct buf ins = BUF_INIT;
		bool first = l->nnames == 0;

		if (l->kind != DEPLOY_POLICY_ALLOW)
			continue;
		for (j = 0; j < n; j++) {
			size_t m;

			if (list_has(l, names[j]))
				continue;
			for (m = 0; m < j; m++)
				if (!strcmp(names[m], names[j]))
					break;
			if (m < j)
				continue;
			if (!first || ins.len)
				buf_putc(&ins, ',');
			buf_puts(&ins, names[j]);
			count++;
		}
		if (ins.len) {
			/* a list that ends with a comma already ("a,b,") takes no second one */
			if (l->end > l->start && text[l->end - 1] == ',' && ins.ptr[0] == ',')
				buf_remove(&ins, 0, 1);
			buf_insert(out, l->end, ins.ptr, ins.len);
		}
		buf_release(&ins);
	}
	if (added)
		*added = count;
	return 0;
}
