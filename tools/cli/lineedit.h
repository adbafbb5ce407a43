/* lineedit.h - a small line editor for vesper-cli: raw-mode editing with cursor
 * movement, Emacs-style control keys, history, tab completion and hints. */
#ifndef VESPER_LINEEDIT_H
#define VESPER_LINEEDIT_H
#include <stddef.h>

typedef struct LeCompletions {
    size_t len;
    char **cvec;
} LeCompletions;

/* Fills lc (with le_add_completion) with the candidates for buf. */
typedef void LeCompletionFn(const char *buf, LeCompletions *lc);
/* Returns a hint to show after buf (allocated with vmalloc, freed by the editor),
 * or NULL; sets the ANSI colour (e.g. 90 grey) and bold flag. */
typedef char *LeHintsFn(const char *buf, int *color, int *bold);

void le_set_completion_callback(LeCompletionFn *fn);
void le_set_hints_callback(LeHintsFn *fn);
void le_add_completion(LeCompletions *lc, const char *str);

/* Reads one line. On a terminal the line is edited in raw mode; otherwise it is
 * read as is. Returns a line allocated with vmalloc (free with le_free), or NULL
 * on end of input, Ctrl-D on an empty line, or Ctrl-C (errno EAGAIN). */
char *le_readline(const char *prompt);
void le_free(char *line);
/* Show '*' for every typed character (password entry). */
void le_set_mask_mode(int on);
void le_clear_screen(void);

int le_history_add(const char *line);       /* 1 added, 0 not (duplicate/empty) */
void le_history_set_max_len(int len);
int le_history_save(const char *filename);   /* 0 ok, -1 error */
int le_history_load(const char *filename);   /* 0 ok, -1 error */

#endif
