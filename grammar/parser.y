/* The streamq SQL grammar (LANGUAGE.md). A pure, reentrant bison parser
 * with byte-offset locations. Actions only build AST nodes, one
 * constructor call each; every rule about meaning lives in
 * engine/analyze.c. A bad statement is skipped up to the next ';' so that
 * one run reports every broken statement of a file. */
%define api.pure full
%define api.location.type {sq_span_t}
%define parse.error custom
%define parse.lac full
%locations
%expect 0
%param {sq_parse_state_t *ps}

%code requires {
#include "grammar/ast.h"
#include "grammar/parse_state.h"

/* A query's WHERE and WINDOW, which may come in either order. */
typedef struct sq_where_window {
  sq_ast_t *where, *window;
} sq_where_window_t;

/* PRINT's FROM (a sq_print_from_t and its offset or timestamp), and its
 * LIMIT and INTERVAL, which may come in either order. */
typedef struct sq_print_start {
  int from;
  sq_ast_t *at;
} sq_print_start_t;
typedef struct sq_print_tail {
  sq_ast_t *limit, *interval;
} sq_print_tail_t;
}

%code provides {
/* The scanner (grammar/lexer.l); `scanner` is its yyscan_t. */
int sq_scan(YYSTYPE *lval, YYLTYPE *lloc, void *scanner);
}

%code {
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* The stack lives on the heap; allow deep right-nested input to reach the
 * friendlier AST depth check before the parser's own limit. */
#define YYMAXDEPTH 200000

#define YYLLOC_DEFAULT(Cur, Rhs, N)                      \
  do {                                                   \
    if (N) {                                             \
      (Cur).start = YYRHSLOC(Rhs, 1).start;              \
      (Cur).end = YYRHSLOC(Rhs, N).end;                  \
    } else {                                             \
      (Cur).start = (Cur).end = YYRHSLOC(Rhs, 0).end;    \
    }                                                    \
  } while (0)

#define yylex(lval, lloc, ps) sq_scan(lval, lloc, (ps)->scanner)

static void yyerror(YYLTYPE *loc, sq_parse_state_t *ps, const char *msg) {
  sq_diag_error(ps->diag, *loc, "%s", msg);
}

#define DEEP(node) sq_check_depth(ps, (node))
#define NONE sq_name_none()
}

%union {
  sq_ast_t *node;
  sq_name_t name;
  char *str;
  int64_t ival;
  double dval;
  int op;
  sq_where_window_t ww;
  sq_print_start_t pf;
  sq_print_tail_t pt;
}

%token <str> IDENT "identifier" QIDENT "quoted identifier" STRING "string"
%token <ival> INTEGER "integer" UNIT "time unit"
%token <dval> NUMBER "number"
%token YYEOF 0 "end of input"
%token LEX_ERROR "invalid token"
%token NE "<>" LE "<=" GE ">=" CONCAT "||"
%token ADVANCE AFTER ANALYZE AND AS BEFORE BEGINNING BETWEEN BY CASE CAST CHANGES CREATE
%token DESCRIBE DISTINCT ELSE EMIT END EXPLAIN EXTRACT FALSE FINAL FROM FULL GAP
%token GRACE GROUP HAVING HOPPING IN INNER INSERT INTERVAL INTO IS JOIN KEY LEFT LIKE LIMIT LIST
%token NOT NULL_P "NULL" OFFSET ON OR OUTER PATH PERIOD PRIMARY PRINT RIGHT RUN SCRIPT
%token SAMPLE SELECT SESSION SET SHOW SINK SINKS SIZE SOURCE SOURCES STREAM STREAMS TABLE
%token TABLES THEN TIMESTAMP TOPIC TOPICS TRUE TUMBLING UNSET WHEN WHERE WINDOW WITH WITHIN

%type <node> statements statement create_stmt insert_stmt select query_stmt
%type <node> column_defs column_def options option option_value
%type <node> select_list select_item from_clause table_ref window_clause window
%type <node> group_opt having_opt limit_opt duration
%type <node> expr predicate arith primary literal call case_expr when_list when
%type <node> expr_list opt_else sample_opt
%type <name> ident alias_opt type_name name_or_string
%type <op> distinct_opt join_type emit_opt show_target
%type <ww> where_window
%type <pf> print_from
%type <pt> print_tail

%destructor { free($$); } <str>
%destructor { sq_name_free(&$$); } <name>
%destructor { sq_ast_destroy($$); } <node>
%destructor { sq_ast_destroy($$.where); sq_ast_destroy($$.window); } <ww>
%destructor { sq_ast_destroy($$.at); } <pf>
%destructor { sq_ast_destroy($$.limit); sq_ast_destroy($$.interval); } <pt>

/* In an expression, INTERVAL 'n' followed by a unit word takes it as its
 * unit, not as the item's alias. */
%precedence INTERVAL
%precedence UNIT
%left OR
%left AND
%precedence NOT
%left CONCAT
%left '+' '-'
%left '*' '/' '%'
%precedence UMINUS

%%

script:
    statements                  { ps->script = $1; }
  | statements statement        { ps->script = sq_ast_append($1, $2); }
  ;

statements:
    %empty                      { $$ = sq_ast_new(SQ_AST_SCRIPT, @$); }
  | statements ';'              { $$ = $1; sq_parse_statement_end(ps); }
  | statements statement ';'    { $$ = sq_ast_append($1, $2); sq_parse_statement_end(ps); }
  | statements error ';'        { $$ = $1; sq_parse_statement_end(ps); yyerrok; }
  ;

statement:
    SET STRING '=' STRING       { $$ = sq_ast_set(sq_name($2, @2), sq_name($4, @4), @$); }
  | UNSET STRING                { $$ = sq_ast_unset(sq_name($2, @2), @$); }
  | create_stmt
  | insert_stmt
  | query_stmt
  | SHOW show_target            { $$ = sq_ast_show($2, @$); }
  | LIST TOPICS                 { $$ = sq_ast_show(SQ_SHOW_TOPICS, @$); }
  | DESCRIBE ident              { $$ = sq_ast_describe($2, false, @$); }
  | DESCRIBE TOPIC STRING sample_opt
                                { $$ = sq_ast_describe_topic(sq_name($3, @3), $4, @$); }
  | PRINT name_or_string print_from print_tail
                                { $$ = sq_ast_print($2, $3.from, $3.at, $4.limit, $4.interval, @$); }
  | EXPLAIN query_stmt          { $$ = sq_ast_explain($2, false, @$); }
  | EXPLAIN insert_stmt         { $$ = sq_ast_explain($2, false, @$); }
  | EXPLAIN ANALYZE query_stmt  { $$ = sq_ast_explain($3, true, @$); }
  | EXPLAIN ANALYZE insert_stmt { $$ = sq_ast_explain($3, true, @$); }
  | RUN SCRIPT STRING           { $$ = sq_ast_run_script(sq_name($3, @3), @$); }
  ;

show_target:
    TOPICS   { $$ = SQ_SHOW_TOPICS; }
  | SOURCES  { $$ = SQ_SHOW_SOURCES; }
  | TABLES   { $$ = SQ_SHOW_TABLES; }
  | SINKS    { $$ = SQ_SHOW_SINKS; }
  | STREAMS  { $$ = SQ_SHOW_STREAMS; }
  ;

name_or_string:
    ident
  | STRING                      { $$ = sq_name($1, @1); }
  ;

sample_opt:
    %empty                      { $$ = NULL; }
  | SAMPLE INTEGER              { $$ = sq_ast_int($2, @2); }
  ;

print_from:
    %empty                      { $$ = (sq_print_start_t){SQ_PRINT_FROM_LATEST, NULL}; }
  | FROM BEGINNING              { $$ = (sq_print_start_t){SQ_PRINT_FROM_BEGINNING, NULL}; }
  | FROM OFFSET INTEGER         { $$ = (sq_print_start_t){SQ_PRINT_FROM_OFFSET, sq_ast_int($3, @3)}; }
  | FROM TIMESTAMP STRING       { $$ = (sq_print_start_t){SQ_PRINT_FROM_TIMESTAMP, sq_ast_text_literal(SQ_LIT_STRING, $3, @3)}; }
  ;

/* LANGUAGE.md writes LIMIT then INTERVAL; ksqlDB the other way round. */
print_tail:
    %empty                      { $$ = (sq_print_tail_t){NULL, NULL}; }
  | LIMIT INTEGER               { $$ = (sq_print_tail_t){sq_ast_int($2, @2), NULL}; }
  | INTERVAL INTEGER            { $$ = (sq_print_tail_t){NULL, sq_ast_int($2, @2)}; }
  | LIMIT INTEGER INTERVAL INTEGER
                                { $$ = (sq_print_tail_t){sq_ast_int($2, @2), sq_ast_int($4, @4)}; }
  | INTERVAL INTEGER LIMIT INTEGER
                                { $$ = (sq_print_tail_t){sq_ast_int($4, @4), sq_ast_int($2, @2)}; }
  ;

create_stmt:
    CREATE SOURCE ident '(' column_defs ')' WITH '(' options ')'
                                { $$ = sq_ast_create_source($3, false, $5, $9, @$); }
  | CREATE SOURCE ident WITH '(' options ')'
                                { $$ = sq_ast_create_source($3, false, NULL, $6, @$); }
  | CREATE TABLE ident '(' column_defs ')' WITH '(' options ')'
                                { $$ = sq_ast_create_source($3, true, $5, $9, @$); }
  | CREATE SINK ident WITH '(' options ')'
                                { $$ = sq_ast_create_sink($3, $6, @$); }
  | CREATE STREAM ident AS select
                                { $$ = sq_ast_create_stream($3, $5, @$); }
  /* ksqlDB's ways to declare a source and to derive a table: analysis
   * reports them with the streamq form, and checks the rest as that form. */
  | CREATE STREAM ident '(' column_defs ')' WITH '(' options ')'
                                { $$ = sq_ast_foreign_form(sq_ast_create_source($3, false, $5, $9, @$), @2); }
  | CREATE STREAM ident WITH '(' options ')'
                                { $$ = sq_ast_foreign_form(sq_ast_create_source($3, false, NULL, $6, @$), @2); }
  | CREATE TABLE ident AS select
                                { $$ = sq_ast_foreign_form(sq_ast_create_stream($3, $5, @$), @2); }
  ;

column_defs:
    column_def                  { $$ = sq_ast_list($1, @$); }
  | column_defs ',' column_def  { $$ = sq_ast_append($1, $3); }
  ;

column_def:
    ident type_name             { $$ = sq_ast_column_def($1, $2, @$); }
  | column_def PRIMARY KEY      { $$ = sq_ast_column_constraint($1, true, NONE, @$); }
  | column_def PATH STRING      { $$ = sq_ast_column_constraint($1, false, sq_name($3, @3), @$); }
  ;

type_name:
    ident
  ;

options:
    option                      { $$ = sq_ast_list($1, @$); }
  | options ',' option          { $$ = sq_ast_append($1, $3); }
  ;

/* Flink SQL quotes option names: 'connector' = 'kafka' is the same option. */
option:
    ident '=' option_value      { $$ = sq_ast_option($1, $3, @$); }
  | STRING '=' option_value     { $$ = sq_ast_option(sq_name($1, @1), $3, @$); }
  ;

option_value:
    STRING                      { $$ = sq_ast_text_literal(SQ_LIT_STRING, $1, @$); }
  | IDENT                       { $$ = sq_ast_text_literal(SQ_LIT_STRING, $1, @$); }
  | INTEGER                     { $$ = sq_ast_int($1, @$); }
  | '-' INTEGER                 { $$ = sq_ast_int(-$2, @$); }
  | NUMBER                      { $$ = sq_ast_double($1, @$); }
  | '-' NUMBER                  { $$ = sq_ast_double(-$2, @$); }
  | TRUE                        { $$ = sq_ast_bool(true, @$); }
  | FALSE                       { $$ = sq_ast_bool(false, @$); }
  ;

insert_stmt:
    INSERT INTO ident select    { $$ = sq_ast_insert($3, $4, @$); }
  ;

query_stmt:
    select                      { $$ = sq_ast_query($1, @$); }
  ;

select:
    SELECT distinct_opt select_list FROM from_clause where_window group_opt having_opt emit_opt limit_opt
        { $$ = sq_ast_select_clauses(sq_ast_select($2, $3, $5, @$), $6.where, $6.window, $7, @7, $8, $9, @9, $10, @$); }
  ;

distinct_opt:
    %empty                      { $$ = 0; }
  | DISTINCT                    { $$ = 1; }
  ;

select_list:
    select_item                 { $$ = sq_ast_list($1, @$); }
  | select_list ',' select_item { $$ = sq_ast_append($1, $3); }
  ;

select_item:
    '*'                         { $$ = sq_ast_star(NONE, @$); }
  | ident '.' '*'               { $$ = sq_ast_star($1, @$); }
  | expr alias_opt              { $$ = sq_ast_select_item($1, $2, @$); }
  ;

alias_opt:
    %empty                      { $$ = NONE; }
  | AS ident                    { $$ = $2; }
  | ident
  ;

from_clause:
    table_ref
  | from_clause join_type JOIN table_ref ON expr
                                { $$ = sq_ast_join($2, $1, $4, NULL, NULL, $6, @$); }
  | from_clause join_type JOIN table_ref WITHIN duration ON expr
                                { $$ = sq_ast_join($2, $1, $4, $6, NULL, $8, @$); }
  | from_clause join_type JOIN table_ref WITHIN '(' duration BEFORE ',' duration AFTER ')' ON expr
                                { $$ = sq_ast_join($2, $1, $4, $7, $10, $14, @$); }
  ;

join_type:
    %empty                      { $$ = SQ_JOIN_INNER; }
  | INNER                       { $$ = SQ_JOIN_INNER; }
  | LEFT                        { $$ = SQ_JOIN_LEFT; }
  | LEFT OUTER                  { $$ = SQ_JOIN_LEFT; }
  | RIGHT                       { $$ = SQ_JOIN_RIGHT; }
  | RIGHT OUTER                 { $$ = SQ_JOIN_RIGHT; }
  | FULL                        { $$ = SQ_JOIN_FULL; }
  | FULL OUTER                  { $$ = SQ_JOIN_FULL; }
  ;

table_ref:
    ident alias_opt             { $$ = sq_ast_table_ref($1, $2, @$); }
  ;

/* WHERE then WINDOW (streamq's order), or WINDOW then WHERE (ksqlDB's);
 * the same query either way. A second WINDOW is reported where it starts. */
where_window:
    %empty                      { $$ = (sq_where_window_t){NULL, NULL}; }
  | WHERE expr                  { $$ = (sq_where_window_t){$2, NULL}; }
  | window_clause               { $$ = (sq_where_window_t){NULL, $1}; }
  | WHERE expr window_clause    { $$ = (sq_where_window_t){$2, $3}; }
  | window_clause WHERE expr    { $$ = (sq_where_window_t){$3, $1}; }
  | window_clause WHERE expr window_clause
                                { $$ = (sq_where_window_t){$3, sq_parse_second_window(ps, $1, $4, @4)}; }
  ;

window_clause:
    WINDOW window               { $$ = $2; }
  | window_clause WINDOW window { $$ = sq_parse_second_window(ps, $1, $3, (sq_span_t){@2.start, @3.end}); }
  ;

window:
    TUMBLING '(' SIZE duration ')'
        { $$ = sq_ast_window(SQ_WINDOW_TUMBLING, $4, NULL, NULL, @$); }
  | TUMBLING '(' SIZE duration ',' GRACE PERIOD duration ')'
        { $$ = sq_ast_window(SQ_WINDOW_TUMBLING, $4, NULL, $8, @$); }
  | HOPPING '(' SIZE duration ',' ADVANCE BY duration ')'
        { $$ = sq_ast_window(SQ_WINDOW_HOPPING, $4, $8, NULL, @$); }
  | HOPPING '(' SIZE duration ',' ADVANCE BY duration ',' GRACE PERIOD duration ')'
        { $$ = sq_ast_window(SQ_WINDOW_HOPPING, $4, $8, $12, @$); }
  | SESSION '(' GAP duration ')'
        { $$ = sq_ast_window(SQ_WINDOW_SESSION, $4, NULL, NULL, @$); }
  | SESSION '(' GAP duration ',' GRACE PERIOD duration ')'
        { $$ = sq_ast_window(SQ_WINDOW_SESSION, $4, NULL, $8, @$); }
  /* ksqlDB writes a session window's gap without GAP. */
  | SESSION '(' duration ')'
        { $$ = sq_ast_window(SQ_WINDOW_SESSION, $3, NULL, NULL, @$); }
  | SESSION '(' duration ',' GRACE PERIOD duration ')'
        { $$ = sq_ast_window(SQ_WINDOW_SESSION, $3, NULL, $7, @$); }
  ;

/* `1 MINUTE`, or SQL's INTERVAL '1' MINUTE and INTERVAL '1 minute'. */
duration:
    INTEGER UNIT                { $$ = sq_parse_duration(ps, $1, $2, @$); }
  | INTERVAL STRING UNIT        { $$ = sq_parse_interval(ps, $2, $3, @$); }
  | INTERVAL STRING             { $$ = sq_parse_interval(ps, $2, 0, @$); }
  ;

group_opt:
    %empty                      { $$ = NULL; }
  | GROUP BY expr_list          { $$ = $3; }
  ;

having_opt:
    %empty                      { $$ = NULL; }
  | HAVING expr                 { $$ = $2; }
  ;

emit_opt:
    %empty                      { $$ = SQ_EMIT_DEFAULT; }
  | EMIT CHANGES                { $$ = SQ_EMIT_CHANGES; }
  | EMIT FINAL                  { $$ = SQ_EMIT_FINAL; }
  ;

limit_opt:
    %empty                      { $$ = NULL; }
  | LIMIT INTEGER               { $$ = sq_ast_int($2, @2); }
  ;

expr_list:
    expr                        { $$ = sq_ast_list($1, @$); }
  | expr_list ',' expr          { $$ = DEEP(sq_ast_append($1, $3)); }
  ;

/* Boolean layer: OR, AND, NOT over predicates. */
expr:
    expr OR expr                { $$ = DEEP(sq_ast_binary(SQ_EXPR_OR, $1, $3, @$)); }
  | expr AND expr               { $$ = DEEP(sq_ast_binary(SQ_EXPR_AND, $1, $3, @$)); }
  | NOT expr                    { $$ = DEEP(sq_ast_unary(SQ_EXPR_NOT, $2, @$)); }
  | predicate
  ;

/* Comparison layer: operands are arithmetic, so BETWEEN's AND is never
 * confused with the boolean AND and `a = b = c` needs parentheses. */
predicate:
    arith '=' arith             { $$ = DEEP(sq_ast_binary(SQ_EXPR_EQ, $1, $3, @$)); }
  | arith NE arith              { $$ = DEEP(sq_ast_binary(SQ_EXPR_NE, $1, $3, @$)); }
  | arith '<' arith             { $$ = DEEP(sq_ast_binary(SQ_EXPR_LT, $1, $3, @$)); }
  | arith LE arith              { $$ = DEEP(sq_ast_binary(SQ_EXPR_LE, $1, $3, @$)); }
  | arith '>' arith             { $$ = DEEP(sq_ast_binary(SQ_EXPR_GT, $1, $3, @$)); }
  | arith GE arith              { $$ = DEEP(sq_ast_binary(SQ_EXPR_GE, $1, $3, @$)); }
  | arith IS NULL_P             { $$ = DEEP(sq_ast_is_null($1, false, @$)); }
  | arith IS NOT NULL_P         { $$ = DEEP(sq_ast_is_null($1, true, @$)); }
  | arith IN '(' expr_list ')'  { $$ = DEEP(sq_ast_in($1, $4, false, @$)); }
  | arith NOT IN '(' expr_list ')'
                                { $$ = DEEP(sq_ast_in($1, $5, true, @$)); }
  | arith BETWEEN arith AND arith
                                { $$ = DEEP(sq_ast_between($1, $3, $5, false, @$)); }
  | arith NOT BETWEEN arith AND arith
                                { $$ = DEEP(sq_ast_between($1, $4, $6, true, @$)); }
  | arith LIKE arith            { $$ = DEEP(sq_ast_like($1, $3, false, @$)); }
  | arith NOT LIKE arith        { $$ = DEEP(sq_ast_like($1, $4, true, @$)); }
  | arith
  ;

arith:
    arith CONCAT arith          { $$ = DEEP(sq_ast_binary(SQ_EXPR_CONCAT, $1, $3, @$)); }
  | arith '+' arith             { $$ = DEEP(sq_ast_binary(SQ_EXPR_ADD, $1, $3, @$)); }
  | arith '-' arith             { $$ = DEEP(sq_ast_binary(SQ_EXPR_SUB, $1, $3, @$)); }
  | arith '*' arith             { $$ = DEEP(sq_ast_binary(SQ_EXPR_MUL, $1, $3, @$)); }
  | arith '/' arith             { $$ = DEEP(sq_ast_binary(SQ_EXPR_DIV, $1, $3, @$)); }
  | arith '%' arith             { $$ = DEEP(sq_ast_binary(SQ_EXPR_MOD, $1, $3, @$)); }
  | '-' arith %prec UMINUS      { $$ = DEEP(sq_ast_unary(SQ_EXPR_NEG, $2, @$)); }
  | '+' arith %prec UMINUS      { $$ = DEEP(sq_ast_unary(SQ_EXPR_PLUS, $2, @$)); }
  | primary
  ;

primary:
    literal
  | ident                       { $$ = sq_ast_column(NONE, $1, @$); }
  | ident '.' ident             { $$ = sq_ast_column($1, $3, @$); }
  | call
  | case_expr
  | CAST '(' expr AS type_name ')'
                                { $$ = DEEP(sq_ast_cast($3, $5, @$)); }
  | EXTRACT '(' ident FROM arith ')'
                                { $$ = DEEP(sq_ast_extract($3, $5, @$)); }
  | '(' expr ')'                { $$ = $2; }
  ;

literal:
    INTEGER                     { $$ = sq_ast_int($1, @$); }
  | NUMBER                      { $$ = sq_ast_double($1, @$); }
  | STRING                      { $$ = sq_ast_text_literal(SQ_LIT_STRING, $1, @$); }
  | TRUE                        { $$ = sq_ast_bool(true, @$); }
  | FALSE                       { $$ = sq_ast_bool(false, @$); }
  | NULL_P                      { $$ = sq_ast_literal(SQ_LIT_NULL, @$); }
  | TIMESTAMP STRING            { $$ = sq_ast_text_literal(SQ_LIT_TIMESTAMP, $2, @$); }
  /* Not a value in streamq: reported with the milliseconds to write. */
  | INTERVAL STRING UNIT        { $$ = sq_parse_interval_value(ps, $2, $3, @$); }
  | INTERVAL STRING %prec INTERVAL
                                { $$ = sq_parse_interval_value(ps, $2, 0, @$); }
  ;

call:
    ident '(' ')'               { $$ = sq_ast_call($1, sq_ast_list(NULL, @2), false, false, @$); }
  | ident '(' '*' ')'           { $$ = sq_ast_call($1, sq_ast_list(NULL, @3), false, true, @$); }
  | ident '(' expr_list ')'     { $$ = DEEP(sq_ast_call($1, $3, false, false, @$)); }
  | ident '(' DISTINCT expr_list ')'
                                { $$ = DEEP(sq_ast_call($1, $4, true, false, @$)); }
  ;

case_expr:
    CASE when_list opt_else END { $$ = DEEP(sq_ast_case(NULL, $2, $3, @$)); }
  | CASE arith when_list opt_else END
                                { $$ = DEEP(sq_ast_case($2, $3, $4, @$)); }
  ;

when_list:
    when                        { $$ = sq_ast_list($1, @$); }
  | when_list when              { $$ = DEEP(sq_ast_append($1, $2)); }
  ;

when:
    WHEN expr THEN expr         { $$ = DEEP(sq_ast_when($2, $4, @$)); }
  ;

opt_else:
    %empty                      { $$ = NULL; }
  | ELSE expr                   { $$ = $2; }
  ;

/* Identifiers: plain, quoted, or a keyword that is not reserved (so that
 * columns may be called `key`, `timestamp`, `size` or `topic`): the
 * UNRESERVED entries of grammar/keywords.h, which test_parser checks this
 * rule against. */
ident:
    IDENT                       { $$ = sq_name($1, @1); }
  | QIDENT                      { $$ = sq_name($1, @1); }
  | UNIT                        { $$ = sq_name_from_source(ps, @1); }
  | ADVANCE                     { $$ = sq_name_from_source(ps, @1); }
  | AFTER                       { $$ = sq_name_from_source(ps, @1); }
  | ANALYZE                     { $$ = sq_name_from_source(ps, @1); }
  | BEFORE                      { $$ = sq_name_from_source(ps, @1); }
  | BEGINNING                   { $$ = sq_name_from_source(ps, @1); }
  | CHANGES                     { $$ = sq_name_from_source(ps, @1); }
  | DESCRIBE                    { $$ = sq_name_from_source(ps, @1); }
  | EXPLAIN                     { $$ = sq_name_from_source(ps, @1); }
  | FINAL                       { $$ = sq_name_from_source(ps, @1); }
  | GAP                         { $$ = sq_name_from_source(ps, @1); }
  | GRACE                       { $$ = sq_name_from_source(ps, @1); }
  | HOPPING                     { $$ = sq_name_from_source(ps, @1); }
  | INTERVAL                    { $$ = sq_name_from_source(ps, @1); }
  | KEY                         { $$ = sq_name_from_source(ps, @1); }
  | LIST                        { $$ = sq_name_from_source(ps, @1); }
  | OFFSET                      { $$ = sq_name_from_source(ps, @1); }
  | PATH                        { $$ = sq_name_from_source(ps, @1); }
  | PERIOD                      { $$ = sq_name_from_source(ps, @1); }
  | PRIMARY                     { $$ = sq_name_from_source(ps, @1); }
  | PRINT                       { $$ = sq_name_from_source(ps, @1); }
  | RUN                         { $$ = sq_name_from_source(ps, @1); }
  | SAMPLE                      { $$ = sq_name_from_source(ps, @1); }
  | SCRIPT                      { $$ = sq_name_from_source(ps, @1); }
  | SESSION                     { $$ = sq_name_from_source(ps, @1); }
  | SHOW                        { $$ = sq_name_from_source(ps, @1); }
  | SINK                        { $$ = sq_name_from_source(ps, @1); }
  | SINKS                       { $$ = sq_name_from_source(ps, @1); }
  | SIZE                        { $$ = sq_name_from_source(ps, @1); }
  | SOURCE                      { $$ = sq_name_from_source(ps, @1); }
  | SOURCES                     { $$ = sq_name_from_source(ps, @1); }
  | STREAM                      { $$ = sq_name_from_source(ps, @1); }
  | STREAMS                     { $$ = sq_name_from_source(ps, @1); }
  | TABLE                       { $$ = sq_name_from_source(ps, @1); }
  | TABLES                      { $$ = sq_name_from_source(ps, @1); }
  | TIMESTAMP                   { $$ = sq_name_from_source(ps, @1); }
  | TOPIC                       { $$ = sq_name_from_source(ps, @1); }
  | TOPICS                      { $$ = sq_name_from_source(ps, @1); }
  | TUMBLING                    { $$ = sq_name_from_source(ps, @1); }
  | UNSET                       { $$ = sq_name_from_source(ps, @1); }
  ;

%%

/* Keywords that may also be identifiers (grammar/keywords.h; the `ident`
 * rule's keyword alternatives): where an identifier is expected, they are
 * not listed. */
static bool is_unreserved(yysymbol_kind_t sym) {
#define UNRESERVED(token) YYSYMBOL_##token,
#define RESERVED(token)
#define SQ_KEYWORD(text, token, category) category(token)
  static const yysymbol_kind_t unreserved[] = {
      YYSYMBOL_QIDENT, YYSYMBOL_UNIT,
#include "grammar/keywords.h"
  };
#undef SQ_KEYWORD
#undef RESERVED
#undef UNRESERVED
  for (size_t i = 0; i < sizeof unreserved / sizeof *unreserved; i++)
    if (unreserved[i] == sym) return true;
  return false;
}

/* "; expected A, B or C" when the list is short enough to help. */
static void expected_hint(const yypcontext_t *ctx, char *hint, size_t size) {
  yysymbol_kind_t all[YYNTOKENS];
  int n_all = yypcontext_expected_tokens(ctx, all, YYNTOKENS);
  bool ident = false;
  for (int i = 0; i < n_all; i++) ident |= all[i] == YYSYMBOL_IDENT;
  enum { MAX_LISTED = 4 };
  const char *names[MAX_LISTED];
  int n = 0;
  for (int i = 0; i < n_all; i++) {
    if (ident && is_unreserved(all[i])) continue;
    if (n == MAX_LISTED) return; /* too many to help */
    names[n++] = yysymbol_name(all[i]);
  }
  if (n == 0) return;
  size_t len = (size_t)snprintf(hint, size, "; expected ");
  for (int i = 0; i < n && len < size; i++)
    len += (size_t)snprintf(hint + len, size - len, "%s%s", i == 0 ? "" : i == n - 1 ? " or " : ", ", names[i]);
}

/* "syntax error at or near 'X'", plus what was expected. A LEX_ERROR
 * token was already reported by the scanner. */
static int yyreport_syntax_error(const yypcontext_t *ctx, sq_parse_state_t *ps) {
  yysymbol_kind_t tok = yypcontext_token(ctx);
  if (tok == YYSYMBOL_LEX_ERROR) return 0;
  YYLTYPE loc = *yypcontext_location(ctx);
  char hint[256] = "";
  expected_hint(ctx, hint, sizeof hint);
  if (tok == YYSYMBOL_YYEOF) {
    /* Point just past the last text, not at a trailing empty line. */
    const char *text = sq_sql_text(ps->src);
    while (loc.start > 0 && isspace((unsigned char)text[loc.start - 1])) loc.start--;
    loc.end = loc.start;
    sq_diag_error(ps->diag, loc, "syntax error at end of input%s", hint);
  } else {
    int len = (int)(loc.end - loc.start);
    if (len > 40) len = 40;
    sq_diag_error(ps->diag, loc, "syntax error at or near '%.*s'%s", len, sq_sql_text(ps->src) + loc.start, hint);
  }
  return 0;
}
