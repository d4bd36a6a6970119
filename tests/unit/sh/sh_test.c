/*
 * tests/unit/sh/sh_test.c — the shell's lexer, parser, word expansion,
 * variables and line-editing core, on the host under ASan and UBSan.
 * Expected results follow POSIX.1-2017 XCU chapter 2.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../../apps/sh/sh.h"

/* exec.c is not linked here; expand.c and parse.c need only these. */
struct shell sh;

/* ---- lexer ---- */

/* Render the tokens of src as "kind:text" words. */
static const char *tokens(const char *src)
{
    static char out[1024];
    struct lexer lx;
    struct token t;
    lex_init(&lx, src);
    out[0] = 0;
    for (;;) {
        enum lex_status s = lex_next(&lx, &t);
        if (s == LEX_INCOMPLETE)
            return strcat(out, "INCOMPLETE"), out;
        if (s == LEX_ERROR)
            return strcat(out, "ERROR"), out;
        static const char *names[] = { "W", "N", "NL", ";", "&", "|", "&&", "||", "<", ">",
                                       ">>", "<&", ">&", "EOF" };
        char one[256];
        if (t.kind == TOK_WORD || t.kind == TOK_IO_NUMBER)
            snprintf(one, sizeof one, "%s:%.*s ", names[t.kind], (int)t.len, t.text);
        else
            snprintf(one, sizeof one, "%s ", names[t.kind]);
        strcat(out, one);
        if (t.kind == TOK_EOF)
            return out;
    }
}

static void test_lexer(void **state)
{
    (void)state;
    assert_string_equal(tokens("ls -l /"), "W:ls W:-l W:/ EOF ");
    assert_string_equal(tokens("a|b&&c||d;e&"), "W:a | W:b && W:c || W:d ; W:e & EOF ");
    assert_string_equal(tokens("cat <in >out 2>>err 2>&1"),
                        "W:cat < W:in > W:out N:2 >> W:err N:2 >& W:1 EOF ");
    assert_string_equal(tokens("echo 'a b' \"c $d\" e\\ f"), "W:echo W:'a b' W:\"c $d\" W:e\\ f EOF ");
    assert_string_equal(tokens("echo ${x:-a b}c # comment\nnext"), "W:echo W:${x:-a b}c NL W:next EOF ");
    assert_string_equal(tokens("a\\\nb"), "W:a\\\nb EOF ");
    assert_string_equal(tokens("x \\\n y"), "W:x W:y EOF ");
    assert_string_equal(tokens("x \\\n"), "W:x INCOMPLETE");
    assert_string_equal(tokens("x\\\n"), "INCOMPLETE");
    assert_string_equal(tokens("12x>f"), "W:12x > W:f EOF ");
    assert_string_equal(tokens("echo 'open"), "W:echo INCOMPLETE");
    assert_string_equal(tokens("echo \"open\\\""), "W:echo INCOMPLETE");
    assert_string_equal(tokens("echo ${open"), "W:echo INCOMPLETE");
    assert_string_equal(tokens("echo \\"), "W:echo INCOMPLETE");
    assert_string_equal(tokens("cat <<EOF"), "W:cat ERROR");
    assert_string_equal(tokens("(ls)"), "ERROR");
    assert_string_equal(tokens(""), "EOF ");
}

/* ---- parser ---- */

/* Render a parsed list compactly: pipelines joined by their operators. */
static const char *parsed(const char *text)
{
    static char out[2048];
    struct list l;
    char err[256];
    enum parse_status s = parse_text(text, &l, err, sizeof err);
    if (s == PARSE_INCOMPLETE)
        return "INCOMPLETE";
    if (s == PARSE_ERROR) {
        snprintf(out, sizeof out, "ERROR %s", err);
        return out;
    }
    out[0] = 0;
    for (size_t i = 0; i < l.n; i++) {
        struct and_or *a = &l.items[i];
        for (size_t j = 0; j < a->npipes; j++) {
            struct pipeline *p = &a->pipes[j];
            if (p->negate)
                strcat(out, "! ");
            for (size_t k = 0; k < p->ncmds; k++) {
                struct command *c = &p->cmds[k];
                strcat(out, "[");
                for (size_t m = 0; m < c->nassigns; m++)
                    strcat(strcat(out, c->assigns[m]), " ");
                for (size_t m = 0; m < c->nwords; m++)
                    strcat(strcat(out, c->words[m]), m + 1 < c->nwords ? " " : "");
                for (size_t m = 0; m < c->nredirs; m++) {
                    static const char *ops[] = { "<", ">", ">>", "<&", ">&" };
                    char r[64];
                    snprintf(r, sizeof r, " %d%s%s", c->redirs[m].fd, ops[c->redirs[m].kind],
                             c->redirs[m].target);
                    strcat(out, r);
                }
                strcat(out, "]");
                if (k + 1 < p->ncmds)
                    strcat(out, "|");
            }
            if (j + 1 < a->npipes)
                strcat(out, a->ops[j] == OP_AND ? " && " : " || ");
        }
        strcat(out, a->background ? " &; " : "; ");
    }
    list_free(&l);
    return out;
}

static void test_parser(void **state)
{
    (void)state;
    assert_string_equal(parsed("ls -l"), "[ls -l]; ");
    assert_string_equal(parsed("a | b | c"), "[a]|[b]|[c]; ");
    assert_string_equal(parsed("a && b || c; d &"), "[a] && [b] || [c]; [d] &; ");
    assert_string_equal(parsed("! false"), "! [false]; ");
    assert_string_equal(parsed("X=1 Y=2 env -i"), "[X=1 Y=2 env -i]; ");
    assert_string_equal(parsed("echo X=1"), "[echo X=1]; ");
    assert_string_equal(parsed("sort <in >out 2>>log"), "[sort 0<in 1>out 2>>log]; ");
    assert_string_equal(parsed("cmd 2>&1 >&2 <&0"), "[cmd 2>&1 1>&2 0<&0]; ");
    assert_string_equal(parsed(">only"), "[ 1>only]; ");
    assert_string_equal(parsed("a |\n b &&\n\n c"), "[a]|[b] && [c]; ");
    assert_string_equal(parsed("\n\n a \n\n b \n"), "[a]; [b]; ");
    assert_string_equal(parsed(""), "");
    assert_string_equal(parsed("# just a comment"), "");
    assert_string_equal(parsed("a |"), "INCOMPLETE");
    assert_string_equal(parsed("a &&"), "INCOMPLETE");
    assert_string_equal(parsed("a ||\n"), "INCOMPLETE");
    assert_string_equal(parsed("echo 'x"), "INCOMPLETE");
    assert_string_equal(parsed("| a"), "ERROR syntax error near unexpected '|'");
    assert_string_equal(parsed("a && && b"), "ERROR syntax error near unexpected '&&'");
    assert_string_equal(parsed("a ; ; b"), "ERROR syntax error near unexpected ';'");
    assert_string_equal(parsed("a > | b"), "ERROR syntax error near unexpected '|'");
    assert_string_equal(parsed("a ;; b"), "ERROR ';;' is not supported (no case statements)");
    assert_string_equal(parsed("a >"), "INCOMPLETE");
}

/* ---- expansion ---- */

static struct expand_params params;

static const char *expanded(const char *raw)
{
    static char out[2048];
    struct fields f = { 0 };
    char err[256];
    if (!expand_word(raw, &params, &f, err, sizeof err)) {
        snprintf(out, sizeof out, "ERROR %s", err);
        return out;
    }
    out[0] = 0;
    for (size_t i = 0; i < f.n; i++) {
        strcat(out, "<");
        strcat(out, f.v[i]);
        strcat(out, ">");
    }
    fields_free(&f);
    return out;
}

static int setup_vars(void **state)
{
    (void)state;
    static char *argv[] = { "script.sh", "one", "two words", NULL };
    vars_init(NULL);
    var_set("NAME", "world", false);
    var_set("SPACED", "  a  b   c ", false);
    var_set("EMPTY", "", false);
    var_set("HOME", "/home/me", true);
    var_unset("IFS");
    params.last_status = 42;
    params.shell_pid = 7;
    params.argc = 3;
    params.argv = argv;
    return 0;
}

static void test_expand_parameters(void **state)
{
    (void)state;
    assert_string_equal(expanded("hello"), "<hello>");
    assert_string_equal(expanded("$NAME"), "<world>");
    assert_string_equal(expanded("${NAME}s"), "<worlds>");
    assert_string_equal(expanded("x$NAME.y"), "<xworld.y>");
    assert_string_equal(expanded("$UNSET"), "");
    assert_string_equal(expanded("\"$UNSET\""), "<>");
    assert_string_equal(expanded("''"), "<>");
    assert_string_equal(expanded("$EMPTY"), "");
    assert_string_equal(expanded("${UNSET:-default}"), "<default>");
    assert_string_equal(expanded("${EMPTY:-default}"), "<default>");
    assert_string_equal(expanded("${EMPTY-default}"), "");
    assert_string_equal(expanded("${NAME:-default}"), "<world>");
    assert_string_equal(expanded("${UNSET:-$NAME}"), "<world>");
    assert_string_equal(expanded("${#NAME}"), "<5>");
    assert_string_equal(expanded("$?"), "<42>");
    assert_string_equal(expanded("$$"), "<7>");
    assert_string_equal(expanded("$#"), "<2>");
    assert_string_equal(expanded("$0"), "<script.sh>");
    assert_string_equal(expanded("$2"), "<two><words>");
    assert_string_equal(expanded("\"$2\""), "<two words>");
    assert_string_equal(expanded("\"$@\""), "<one><two words>");
    assert_string_equal(expanded("$*"), "<one><two><words>");
    assert_string_equal(expanded("$"), "<$>");
    assert_string_equal(expanded("a$-b"), "<a$-b>");
    assert_string_equal(expanded("${}"), "ERROR bad substitution: ${}");
    assert_string_equal(expanded("${NAME%x}"), "ERROR bad substitution (only :- and - are supported): ${NAME%x}");
    assert_string_equal(expanded("~"), "</home/me>");
    assert_string_equal(expanded("~/docs"), "</home/me/docs>");
    assert_string_equal(expanded("a~"), "<a~>");
}

static void test_expand_quotes_and_splitting(void **state)
{
    (void)state;
    assert_string_equal(expanded("'$NAME'"), "<$NAME>");
    assert_string_equal(expanded("\"$NAME\""), "<world>");
    assert_string_equal(expanded("\"a\\$b\\\\c\\d\""), "<a$b\\c\\d>");
    assert_string_equal(expanded("a\\ b"), "<a b>");
    assert_string_equal(expanded("\\$NAME"), "<$NAME>");
    assert_string_equal(expanded("$SPACED"), "<a><b><c>");
    assert_string_equal(expanded("\"$SPACED\""), "<  a  b   c >");
    assert_string_equal(expanded("x${SPACED}y"), "<x><a><b><c><y>");
    assert_string_equal(expanded("'it''s'"), "<its>");
    assert_string_equal(expanded("\"it's\""), "<it's>");
    var_set("IFS", ":", false);
    var_set("PATHS", "/bin::/usr/bin:", false);
    assert_string_equal(expanded("$PATHS"), "</bin><></usr/bin>");
    var_set("IFS", " :", false);
    var_set("PATHS", "a : b", false);
    assert_string_equal(expanded("$PATHS"), "<a><b>");
    var_unset("IFS");
}

static void test_expand_globs(void **state)
{
    (void)state;
    char dir[] = "/tmp/kpio-sh-test-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char cwd[1024];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(dir), 0);
    const char *names[] = { "a.txt", "b.txt", "c.log", "*.txt" };
    for (int i = 0; i < 4; i++)
        fclose(fopen(names[i], "w"));
    assert_string_equal(expanded("*.txt"), "<*.txt><a.txt><b.txt>");
    assert_string_equal(expanded("?.log"), "<c.log>");
    assert_string_equal(expanded("'*'.txt"), "<*.txt>");
    assert_string_equal(expanded("\\*.txt"), "<*.txt>");
    assert_string_equal(expanded("\"*.txt\""), "<*.txt>");
    assert_string_equal(expanded("*.none"), "<*.none>");
    assert_string_equal(expanded("[ab].txt"), "<a.txt><b.txt>");
    var_set("PATTERN", "*.log", false);
    assert_string_equal(expanded("$PATTERN"), "<c.log>");
    assert_string_equal(expanded("\"$PATTERN\""), "<*.log>");
    for (int i = 0; i < 4; i++)
        unlink(names[i]);
    assert_int_equal(chdir(cwd), 0);
    rmdir(dir);
}

static void test_expand_single(void **state)
{
    (void)state;
    char err[128];
    char *s = expand_single("$SPACED*", &params, err, sizeof err);
    assert_string_equal(s, "  a  b   c *");
    free(s);
    assert_null(expand_single("${", &params, err, sizeof err));
}

/* ---- variables ---- */

static void test_variables(void **state)
{
    (void)state;
    char *env0[] = { "PATH=/bin", "FOO=bar=baz", "BAD", NULL };
    vars_init(env0);
    assert_string_equal(var_get("FOO"), "bar=baz");
    assert_null(var_get("BAD"));
    assert_true(var_set("LOCAL", "x", false));
    assert_false(var_set("1BAD", "x", false));
    assert_false(var_set("a-b", "x", false));
    char *extra[] = { "FOO=override", "NEW=1" };
    char **env = vars_environment(extra, 2);
    bool saw_local = false, saw_foo = false, saw_new = false;
    size_t n = 0;
    for (char **e = env; *e; e++, n++) {
        saw_local |= strncmp(*e, "LOCAL=", 6) == 0;
        saw_foo |= strcmp(*e, "FOO=override") == 0;
        saw_new |= strcmp(*e, "NEW=1") == 0;
        assert_string_not_equal(*e, "FOO=bar=baz");
    }
    assert_false(saw_local);
    assert_true(saw_foo && saw_new);
    vars_free_env(env);
    var_export("LOCAL");
    env = vars_environment(NULL, 0);
    bool found = false;
    for (char **e = env; *e; e++)
        found |= strcmp(*e, "LOCAL=x") == 0;
    assert_true(found);
    vars_free_env(env);
    var_unset("LOCAL");
    assert_null(var_get("LOCAL"));
    for (int i = 0; i < 300; i++) {
        char name[16];
        snprintf(name, sizeof name, "V%d", i);
        var_set(name, name, i % 2);
    }
    assert_string_equal(var_get("V123"), "V123");
    assert_string_equal(var_get("V299"), "V299");
}

/* ---- line editing ---- */

static const char *typed(const char *keys, enum edit_result *last)
{
    static char out[512];
    struct edit e;
    edit_init(&e);
    enum edit_result r = EDIT_CONTINUE;
    for (const char *k = keys; *k && r == EDIT_CONTINUE; k++)
        r = edit_key(&e, (unsigned char)*k);
    if (last)
        *last = r;
    snprintf(out, sizeof out, "%s|%zu", e.buf, e.cursor);
    edit_free(&e);
    return out;
}

static void test_line_editing(void **state)
{
    (void)state;
    enum edit_result r;
    assert_string_equal(typed("ls -l\r", &r), "ls -l|5");
    assert_int_equal(r, EDIT_DONE);
    assert_string_equal(typed("lx\x7fs", NULL), "ls|2");
    assert_string_equal(typed("world\x01hello \x05!", NULL), "hello world!|12");
    assert_string_equal(typed("abc\x1b[D\x1b[DX", NULL), "aXbc|2");
    assert_string_equal(typed("abc\x1b[H\x1b[3~", NULL), "bc|0");
    assert_string_equal(typed("abc\x1b[D\x1b[C\x1b[CX", NULL), "abcX|4");
    assert_string_equal(typed("abc\x1bOHz\x1bOFy", NULL), "zabcy|5");
    assert_string_equal(typed("one two three\x17", NULL), "one two |8");
    assert_string_equal(typed("one two\x02\x02\x02\x0b", NULL), "one |4");
    assert_string_equal(typed("one two\x02\x02\x15", NULL), "wo|0");
    assert_string_equal(typed("ab\x02\x04", NULL), "a|1");
    assert_string_equal(typed("\x04", &r), "|0");
    assert_int_equal(r, EDIT_EOF);
    assert_string_equal(typed("abc\x03", &r), "abc|3");
    assert_int_equal(r, EDIT_CANCEL);
    /* UTF-8: é is two bytes but one character */
    assert_string_equal(typed("caf\xc3\xa9\x7f" "e", NULL), "cafe|4");
    assert_string_equal(typed("\xc3\xa9t\x1b[D\x1b[DX", NULL), "X\xc3\xa9t|1");
}

/* Completion of the word before the cursor from a list of candidates. */
static const char *completed(const char *typed_text, char *const *cands, size_t n)
{
    static char out[256];
    struct edit e;
    edit_init(&e);
    for (const char *k = typed_text; *k; k++)
        edit_key(&e, (unsigned char)*k);
    assert_int_equal(edit_key(&e, '\t'), EDIT_COMPLETE);
    bool changed = edit_complete(&e, edit_word_start(&e), cands, n);
    snprintf(out, sizeof out, "%s|%zu|%d", e.buf, e.cursor, changed);
    edit_free(&e);
    return out;
}

static void test_completion(void **state)
{
    (void)state;
    char *one[] = { "hexdump" };
    char *two[] = { "head", "help" };
    char *dirs[] = { "docs/" };
    char *files[] = { "docs/apps.md", "docs/arch.md" };
    char *none[] = { NULL };
    assert_string_equal(completed("hex", one, 1), "hexdump |8|1");
    assert_string_equal(completed("he", two, 2), "he|2|0");       /* nothing more in common */
    assert_string_equal(completed("h", two, 2), "he|2|1");
    assert_string_equal(completed("cat do", dirs, 1), "cat docs/|9|1");
    assert_string_equal(completed("cat docs/a", files, 2), "cat docs/a|10|0");
    assert_string_equal(completed("cat docs/", files, 2), "cat docs/a|10|1");
    assert_string_equal(completed("ls x", none, 0), "ls x|4|0");
    assert_string_equal(completed("hexdump", one, 1), "hexdump |8|1");
}

static void test_history(void **state)
{
    (void)state;
    history_add("first");
    history_add("second");
    history_add("second");   /* repeated: kept once */
    history_add("");
    assert_int_equal(history_count(), 2);
    assert_string_equal(typed("\x1b[A", NULL), "second|6");
    assert_string_equal(typed("\x1b[A\x1b[A", NULL), "first|5");
    assert_string_equal(typed("\x1b[A\x1b[A\x1b[A", NULL), "first|5");
    assert_string_equal(typed("new\x10\x0e", NULL), "new|3");
    assert_string_equal(typed("new\x1b[A\x1b[A\x1b[B", NULL), "second|6");
    assert_string_equal(typed("\x1b[A!\r", NULL), "second!|7");
    assert_string_equal(history_get(1), "second");
    for (int i = 0; i < 600; i++) {
        char line[16];
        snprintf(line, sizeof line, "cmd %d", i);
        history_add(line);
    }
    assert_int_equal(history_count(), 500);
    assert_string_equal(history_get(499), "cmd 599");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lexer),
        cmocka_unit_test(test_parser),
        cmocka_unit_test_setup(test_expand_parameters, setup_vars),
        cmocka_unit_test_setup(test_expand_quotes_and_splitting, setup_vars),
        cmocka_unit_test_setup(test_expand_globs, setup_vars),
        cmocka_unit_test_setup(test_expand_single, setup_vars),
        cmocka_unit_test(test_variables),
        cmocka_unit_test(test_line_editing),
        cmocka_unit_test(test_completion),
        cmocka_unit_test(test_history),
    };
    return cmocka_run_group_tests_name("sh", tests, NULL, NULL);
}
