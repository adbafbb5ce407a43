/* lineedit.c - vesper-cli's line editor.
 *
 * On a terminal the editor switches stdin to raw mode for the duration of one
 * le_readline call and redraws the whole edit area after every change: it erases
 * the rows the last redraw used, bottom up, one line at a time (ESC[K, never
 * ESC[J: tmux takes an erase from the top-left corner to the end of the screen
 * for a screen clear and pushes the screen into its scrollback), writes prompt +
 * text (+ a grey hint when it fits on the line) and puts the cursor where it
 * belongs. Long lines wrap over several rows; the editor tracks the cursor's row
 * and the rows in use so the next redraw finds and erases them all.
 *
 * The buffer holds UTF-8 bytes and the cursor is a byte offset that only ever
 * rests on a character boundary; widths count wide East Asian characters as two
 * columns and combining marks as zero, which is enough for CJK and accented text.
 *
 * Keys: Left/Right/Ctrl-B/Ctrl-F move, Home/End/Ctrl-A/Ctrl-E jump, Up/Down and
 * Ctrl-P/Ctrl-N walk the history, Backspace/Ctrl-H and Delete/Ctrl-D delete,
 * Ctrl-K kills to the end, Ctrl-U kills the line, Ctrl-W the previous word, Ctrl-T
 * swaps two characters, Ctrl-L clears the screen, Tab completes (Tab again
 * cycles, Esc restores), Enter accepts, Ctrl-C aborts, Ctrl-D on an empty line
 * ends input. Each redraw costs O(line length). */
#include "lineedit.h"
#include "base/alloc.h"
#include "base/sds.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#define LE_DEFAULT_HISTORY 100

enum {
    KEY_CTRL_A = 1, KEY_CTRL_B = 2, KEY_CTRL_C = 3, KEY_CTRL_D = 4, KEY_CTRL_E = 5,
    KEY_CTRL_F = 6, KEY_CTRL_H = 8, KEY_TAB = 9, KEY_CTRL_K = 11, KEY_CTRL_L = 12,
    KEY_ENTER = 13, KEY_CTRL_N = 14, KEY_CTRL_P = 16, KEY_CTRL_T = 20, KEY_CTRL_U = 21,
    KEY_CTRL_W = 23, KEY_ESC = 27, KEY_BACKSPACE = 127
};

typedef struct LeState {
    int ifd, ofd;
    char *buf;
    size_t len, cap;
    size_t pos;             /* byte offset of the cursor */
    const char *prompt;
    size_t prompt_width;
    int oldrow;             /* cursor row (from the prompt's row) after the last redraw */
    int oldrows;            /* rows the last redraw used (at least 1) */
    int history_index;      /* 0: the line being edited, 1: newest history entry... */
} LeState;

static LeCompletionFn *completion_cb;
static LeHintsFn *hints_cb;
static int mask_mode;
static int raw_enabled;
static struct termios orig_termios;
static int atexit_registered;
static char **history;
static int history_len;
static int history_max = LE_DEFAULT_HISTORY;

void le_set_completion_callback(LeCompletionFn *fn) { completion_cb = fn; }
void le_set_hints_callback(LeHintsFn *fn) { hints_cb = fn; }
void le_set_mask_mode(int on) { mask_mode = on; }
void le_free(char *line) { vfree(line); }

void le_add_completion(LeCompletions *lc, const char *str) {
    lc->cvec = vrealloc(lc->cvec, sizeof(char *) * (lc->len + 1));
    lc->cvec[lc->len++] = vstrdup(str);
}

static void le_free_completions(LeCompletions *lc) {
    for (size_t i = 0; i < lc->len; i++) vfree(lc->cvec[i]);
    vfree(lc->cvec);
}

/* ---------------- terminal ---------------- */

static int le_unsupported_term(void) {
    const char *term = getenv("TERM");
    if (!term) return 0;
    return !strcasecmp(term, "dumb") || !strcasecmp(term, "cons25") || !strcasecmp(term, "emacs");
}

static void le_disable_raw(void) {
    if (raw_enabled && tcsetattr(STDIN_FILENO, TCSADRAIN, &orig_termios) != -1) raw_enabled = 0;
}

static void le_at_exit(void) { le_disable_raw(); }

static int le_enable_raw(int fd) {
    if (!isatty(fd)) goto fatal;
    if (!atexit_registered) {
        atexit(le_at_exit);
        atexit_registered = 1;
    }
    if (tcgetattr(fd, &orig_termios) == -1) goto fatal;
    struct termios raw = orig_termios;
    /* no break signal, no CR->NL, no parity check, no 8th-bit strip, no flow control */
    raw.c_iflag &= ~(tcflag_t)(BRKINT | ICRNL | INPCK | ISTRIP | IXON);
    raw.c_oflag &= ~(tcflag_t)OPOST;
    raw.c_cflag |= CS8;
    /* no echo, byte-at-a-time input, no extended functions, no signal keys */
    raw.c_lflag &= ~(tcflag_t)(ECHO | ICANON | IEXTEN | ISIG);
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    /* TCSADRAIN, not FLUSH: lines typed or pasted ahead must not be lost */
    if (tcsetattr(fd, TCSADRAIN, &raw) < 0) goto fatal;
    raw_enabled = 1;
    return 0;
fatal:
    errno = ENOTTY;
    return -1;
}

static size_t le_columns(int ofd) {
    struct winsize ws;
    if (ioctl(ofd, TIOCGWINSZ, &ws) == -1 || ws.ws_col == 0) return 80;
    return ws.ws_col;
}

static void le_write(int fd, const char *p, size_t len) {
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        p += n;
        len -= (size_t)n;
    }
}

void le_clear_screen(void) { le_write(STDOUT_FILENO, "\x1b[H\x1b[2J", 7); }

static void le_beep(void) {
    fputs("\x07", stderr);
    fflush(stderr);
}

/* ---------------- UTF-8 and widths ---------------- */

/* Decodes one character at p; returns its byte length (1 for an invalid byte). */
static size_t le_decode(const char *p, size_t len, unsigned *cp) {
    const unsigned char *u = (const unsigned char *)p;
    size_t n;
    unsigned c = u[0];
    if (c < 0x80) { *cp = c; return 1; }
    if ((c & 0xe0) == 0xc0) { n = 2; c &= 0x1f; }
    else if ((c & 0xf0) == 0xe0) { n = 3; c &= 0x0f; }
    else if ((c & 0xf8) == 0xf0) { n = 4; c &= 0x07; }
    else { *cp = 0xfffd; return 1; }
    if (n > len) { *cp = 0xfffd; return 1; }
    for (size_t i = 1; i < n; i++) {
        if ((u[i] & 0xc0) != 0x80) { *cp = 0xfffd; return 1; }
        c = (c << 6) | (u[i] & 0x3f);
    }
    *cp = c;
    return n;
}

static int le_cp_width(unsigned cp) {
    if (cp == 0) return 0;
    if ((cp >= 0x0300 && cp <= 0x036f) || (cp >= 0x200b && cp <= 0x200f) || (cp >= 0xfe00 && cp <= 0xfe0f) ||
        (cp >= 0x20d0 && cp <= 0x20ff))
        return 0;
    if ((cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf && cp != 0x303f) ||
        (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f) ||
        (cp >= 0xff00 && cp <= 0xff60) || (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1f64f) ||
        (cp >= 0x1f900 && cp <= 0x1f9ff) || (cp >= 0x20000 && cp <= 0x3fffd))
        return 2;
    return 1;
}

static size_t le_width(const char *p, size_t len) {
    size_t w = 0;
    for (size_t i = 0; i < len;) {
        unsigned cp;
        i += le_decode(p + i, len - i, &cp);
        w += (size_t)le_cp_width(cp);
    }
    return w;
}

/* Byte length of the character that ends at offset pos. */
static size_t le_prev_len(const char *buf, size_t pos) {
    size_t n = 1;
    while (n < pos && n < 4 && ((unsigned char)buf[pos - n] & 0xc0) == 0x80) n++;
    unsigned cp;
    if (le_decode(buf + pos - n, n, &cp) != n) return 1;
    return n;
}

static size_t le_next_len(const char *buf, size_t len, size_t pos) {
    unsigned cp;
    return le_decode(buf + pos, len - pos, &cp);
}

/* ---------------- redraw ---------------- */

/* Appends at most maxw columns of s. Returns the width written. */
static size_t le_cat_fit(Sds *ab, const char *s, size_t maxw) {
    size_t len = strlen(s), w = 0, i = 0;
    while (i < len) {
        unsigned cp;
        size_t n = le_decode(s + i, len - i, &cp);
        size_t cw = (size_t)le_cp_width(cp);
        if (w + cw > maxw) break;
        w += cw;
        i += n;
    }
    *ab = sds_catlen(*ab, s, i);
    return w;
}

/* Erases the rows of the last redraw with erase-in-line only, from the last row
 * up, leaving the cursor at column 0 of the prompt's row. */
static void le_erase_rows(const LeState *l, Sds *ab) {
    int below = l->oldrows - 1 - l->oldrow;
    if (below > 0) *ab = sds_catprintf(*ab, "\x1b[%dB", below);
    for (int row = l->oldrows - 1; row > 0; row--) *ab = sds_cat(*ab, "\r\x1b[K\x1b[1A");
    *ab = sds_cat(*ab, "\r\x1b[K");
}

static void le_refresh(LeState *l, int show_hint) {
    size_t cols = le_columns(l->ofd);
    Sds ab = sds_empty();
    le_erase_rows(l, &ab);
    ab = sds_cat(ab, l->prompt);
    size_t textw;
    if (mask_mode) {
        textw = 0;
        for (size_t i = 0; i < l->len; i += le_next_len(l->buf, l->len, i)) textw++;
        for (size_t i = 0; i < textw; i++) ab = sds_catlen(ab, "*", 1);
    } else {
        ab = sds_catlen(ab, l->buf, l->len);
        textw = le_width(l->buf, l->len);
    }
    size_t total = l->prompt_width + textw;
    if (show_hint && hints_cb && total < cols) {
        int color = -1, bold = 0;
        l->buf[l->len] = '\0';
        char *hint = hints_cb(l->buf, &color, &bold);
        if (hint) {
            if (bold == 1 && color == -1) color = 37;
            if (color != -1 || bold != 0) ab = sds_catprintf(ab, "\x1b[%d;%d;49m", bold, color);
            total += le_cat_fit(&ab, hint, cols - total);
            if (color != -1 || bold != 0) ab = sds_cat(ab, "\x1b[0m");
            vfree(hint);
        }
    }
    size_t cw = l->prompt_width + (mask_mode ? 0 : le_width(l->buf, l->pos));
    if (mask_mode)
        for (size_t i = 0; i < l->pos; i += le_next_len(l->buf, l->len, i)) cw++;
    int endrow = (int)(total / cols);
    if (total > 0 && total % cols == 0) {
        /* the terminal waits at the last column; only wrap for real when the
         * cursor must stand on the next row */
        if (cw == total) ab = sds_cat(ab, "\r\n");
        else endrow--;
    }
    int crow = (int)(cw / cols);
    size_t ccol = cw % cols;
    if (endrow > crow) ab = sds_catprintf(ab, "\x1b[%dA", endrow - crow);
    ab = sds_cat(ab, "\r");
    if (ccol) ab = sds_catprintf(ab, "\x1b[%zuC", ccol);
    l->oldrow = crow;
    l->oldrows = endrow + 1;
    le_write(l->ofd, ab, sds_len(ab));
    sds_free(ab);
}

/* ---------------- editing ---------------- */

static void le_reserve(LeState *l, size_t extra) {
    if (l->len + extra + 1 <= l->cap) return;
    while (l->len + extra + 1 > l->cap) l->cap *= 2;
    l->buf = vrealloc(l->buf, l->cap);
}

static void le_insert(LeState *l, const char *s, size_t n) {
    le_reserve(l, n);
    memmove(l->buf + l->pos + n, l->buf + l->pos, l->len - l->pos);
    memcpy(l->buf + l->pos, s, n);
    l->pos += n;
    l->len += n;
    l->buf[l->len] = '\0';
}

static void le_set_text(LeState *l, const char *s) {
    size_t n = strlen(s);
    l->len = l->pos = 0;
    le_reserve(l, n);
    memcpy(l->buf, s, n + 1);
    l->len = l->pos = n;
}

static void le_delete_range(LeState *l, size_t from, size_t to) {
    memmove(l->buf + from, l->buf + to, l->len - to);
    l->len -= to - from;
    l->buf[l->len] = '\0';
    if (l->pos > to) l->pos -= to - from;
    else if (l->pos > from) l->pos = from;
}

static void le_backspace(LeState *l) {
    if (l->pos == 0) return;
    size_t n = le_prev_len(l->buf, l->pos);
    le_delete_range(l, l->pos - n, l->pos);
}

static void le_delete(LeState *l) {
    if (l->pos >= l->len) return;
    size_t n = le_next_len(l->buf, l->len, l->pos);
    le_delete_range(l, l->pos, l->pos + n);
}

static void le_delete_prev_word(LeState *l) {
    size_t end = l->pos, p = l->pos;
    while (p > 0 && l->buf[p - 1] == ' ') p--;
    while (p > 0 && l->buf[p - 1] != ' ') p--;
    le_delete_range(l, p, end);
}

static void le_transpose(LeState *l) {
    if (l->pos == 0 || l->len < 2) return;
    if (l->pos == l->len) l->pos -= le_prev_len(l->buf, l->pos);
    size_t a = le_prev_len(l->buf, l->pos);
    size_t b = le_next_len(l->buf, l->len, l->pos);
    char tmp[8];
    memcpy(tmp, l->buf + l->pos - a, a);
    memmove(l->buf + l->pos - a, l->buf + l->pos, b);
    memcpy(l->buf + l->pos - a + b, tmp, a);
    l->pos += b; /* the cursor ends after the swapped pair */
}

static void le_history_move(LeState *l, int dir) {
    if (history_len <= 1) return;
    /* save the edited line into its history slot before leaving it */
    vfree(history[history_len - 1 - l->history_index]);
    history[history_len - 1 - l->history_index] = vstrdup(l->buf);
    l->history_index += dir;
    if (l->history_index < 0) {
        l->history_index = 0;
        return;
    }
    if (l->history_index >= history_len) {
        l->history_index = history_len - 1;
        return;
    }
    le_set_text(l, history[history_len - 1 - l->history_index]);
}

/* Tab completion: shows candidates in turn; returns the key that ended the
 * cycle (to be processed normally), 0 if consumed, -1 on read error. */
static int le_complete(LeState *l) {
    LeCompletions lc = {0, NULL};
    completion_cb(l->buf, &lc);
    if (lc.len == 0) {
        le_beep();
        le_free_completions(&lc);
        return 0;
    }
    char *orig = vstrdup(l->buf);
    size_t origpos = l->pos;
    size_t i = 0;
    int key = 0;
    for (;;) {
        if (i < lc.len) le_set_text(l, lc.cvec[i]);
        else { le_set_text(l, orig); l->pos = origpos; }
        le_refresh(l, 1);
        unsigned char c;
        ssize_t n = read(l->ifd, &c, 1);
        if (n <= 0) { key = -1; break; }
        if (c == KEY_TAB) {
            i = (i + 1) % (lc.len + 1);
            if (i == lc.len) le_beep();
            continue;
        }
        if (c == KEY_ESC) {
            le_set_text(l, orig);
            l->pos = origpos;
            le_refresh(l, 1);
            key = 0;
        } else {
            key = c; /* the shown candidate stays */
        }
        break;
    }
    vfree(orig);
    le_free_completions(&lc);
    return key;
}

/* Reads the rest of an escape sequence and applies it. */
static void le_escape(LeState *l) {
    char seq[3];
    if (read(l->ifd, seq, 1) != 1 || read(l->ifd, seq + 1, 1) != 1) return;
    if (seq[0] == '[') {
        if (seq[1] >= '0' && seq[1] <= '9') {
            if (read(l->ifd, seq + 2, 1) != 1 || seq[2] != '~') return;
            switch (seq[1]) {
            case '3': le_delete(l); break;
            case '1': case '7': l->pos = 0; break;
            case '4': case '8': l->pos = l->len; break;
            }
            return;
        }
        switch (seq[1]) {
        case 'A': le_history_move(l, 1); break;
        case 'B': le_history_move(l, -1); break;
        case 'C': if (l->pos < l->len) l->pos += le_next_len(l->buf, l->len, l->pos); break;
        case 'D': if (l->pos > 0) l->pos -= le_prev_len(l->buf, l->pos); break;
        case 'H': l->pos = 0; break;
        case 'F': l->pos = l->len; break;
        }
    } else if (seq[0] == 'O') {
        if (seq[1] == 'H') l->pos = 0;
        else if (seq[1] == 'F') l->pos = l->len;
    }
}

/* Reads the continuation bytes of a UTF-8 character that starts with c. */
static size_t le_read_utf8(int fd, unsigned char c, char *out) {
    size_t need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    out[0] = (char)c;
    size_t n = 1;
    while (n < need) {
        if (read(fd, out + n, 1) != 1) break;
        if (((unsigned char)out[n] & 0xc0) != 0x80) { n++; break; }
        n++;
    }
    return n;
}

static void le_finish(LeState *l) {
    history_len--;
    vfree(history[history_len]);
    l->pos = l->len;
    le_refresh(l, 0); /* the final line without its hint */
}

/* The edit loop. Returns the line length, or -1 on Ctrl-C / Ctrl-D / error. */
static int le_edit(LeState *l) {
    le_history_add("");
    le_refresh(l, 1);
    for (;;) {
        unsigned char c;
        ssize_t nread = read(l->ifd, &c, 1);
        if (nread <= 0) {
            le_finish(l);
            return l->len ? (int)l->len : -1;
        }
        int key = c;
        if (key == KEY_TAB && completion_cb) {
            key = le_complete(l);
            if (key < 0) { le_finish(l); return -1; }
            if (key == 0) continue;
        }
        switch (key) {
        case KEY_ENTER: case '\n':
            le_finish(l);
            return (int)l->len;
        case KEY_CTRL_C:
            le_finish(l);
            errno = EAGAIN;
            return -1;
        case KEY_BACKSPACE: case KEY_CTRL_H: le_backspace(l); break;
        case KEY_CTRL_D:
            if (l->len > 0) {
                le_delete(l);
                break;
            }
            history_len--;
            vfree(history[history_len]);
            return -1;
        case KEY_CTRL_T: le_transpose(l); break;
        case KEY_CTRL_B: if (l->pos > 0) l->pos -= le_prev_len(l->buf, l->pos); break;
        case KEY_CTRL_F: if (l->pos < l->len) l->pos += le_next_len(l->buf, l->len, l->pos); break;
        case KEY_CTRL_P: le_history_move(l, 1); break;
        case KEY_CTRL_N: le_history_move(l, -1); break;
        case KEY_ESC: le_escape(l); break;
        case KEY_CTRL_U: le_delete_range(l, 0, l->len); break;
        case KEY_CTRL_K: le_delete_range(l, l->pos, l->len); break;
        case KEY_CTRL_A: l->pos = 0; break;
        case KEY_CTRL_E: l->pos = l->len; break;
        case KEY_CTRL_L:
            le_clear_screen();
            l->oldrow = 0;
            l->oldrows = 1;
            break;
        case KEY_CTRL_W: le_delete_prev_word(l); break;
        default:
            if (key < 32 && key != KEY_TAB) break; /* other control keys are ignored */
            if (key >= 0xc0) {
                char mb[4];
                size_t n = le_read_utf8(l->ifd, (unsigned char)key, mb);
                le_insert(l, mb, n);
            } else {
                char ch = (char)key;
                le_insert(l, &ch, 1);
            }
        }
        le_refresh(l, 1);
    }
}

/* Reads a line without editing (stdin is not a terminal). */
static char *le_read_plain(void) {
    Sds line = sds_empty();
    int c, any = 0;
    while ((c = fgetc(stdin)) != EOF) {
        any = 1;
        if (c == '\n') break;
        char ch = (char)c;
        line = sds_catlen(line, &ch, 1);
    }
    if (!any) {
        sds_free(line);
        return NULL;
    }
    size_t n = sds_len(line);
    if (n && line[n - 1] == '\r') n--;
    char *out = vmalloc(n + 1);
    memcpy(out, line, n);
    out[n] = '\0';
    sds_free(line);
    return out;
}

char *le_readline(const char *prompt) {
    if (!isatty(STDIN_FILENO)) return le_read_plain();
    if (le_unsupported_term()) {
        printf("%s", prompt);
        fflush(stdout);
        return le_read_plain();
    }
    if (le_enable_raw(STDIN_FILENO) == -1) return NULL;
    LeState l = {0};
    l.ifd = STDIN_FILENO;
    l.ofd = STDOUT_FILENO;
    l.cap = 64;
    l.buf = vmalloc(l.cap);
    l.buf[0] = '\0';
    l.prompt = prompt;
    l.prompt_width = le_width(prompt, strlen(prompt));
    l.oldrows = 1;
    int rc = le_edit(&l);
    le_disable_raw();
    printf("\n");
    if (rc < 0) {
        int saved = errno;
        vfree(l.buf);
        errno = saved;
        return NULL;
    }
    return l.buf;
}

/* ---------------- history ---------------- */

int le_history_add(const char *line) {
    if (history_max == 0) return 0;
    if (history_len && !strcmp(history[history_len - 1], line)) return 0;
    if (!history) history = vcalloc(sizeof(char *) * (size_t)history_max);
    if (history_len == history_max) {
        vfree(history[0]);
        memmove(history, history + 1, sizeof(char *) * (size_t)(history_max - 1));
        history_len--;
    }
    history[history_len++] = vstrdup(line);
    return 1;
}

void le_history_set_max_len(int len) {
    if (len < 1) return;
    char **nh = vcalloc(sizeof(char *) * (size_t)len);
    int keep = history_len < len ? history_len : len;
    for (int i = 0; i < history_len - keep; i++) vfree(history[i]);
    if (history) memcpy(nh, history + (history_len - keep), sizeof(char *) * (size_t)keep);
    vfree(history);
    history = nh;
    history_len = keep;
    history_max = len;
}

int le_history_save(const char *filename) {
    mode_t old = umask(S_IXUSR | S_IRWXG | S_IRWXO);
    FILE *fp = fopen(filename, "w");
    umask(old);
    if (!fp) return -1;
    chmod(filename, S_IRUSR | S_IWUSR);
    for (int i = 0; i < history_len; i++) fprintf(fp, "%s\n", history[i]);
    fclose(fp);
    return 0;
}

int le_history_load(const char *filename) {
    FILE *fp = fopen(filename, "r");
    if (!fp) return -1;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, fp)) != -1) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
        le_history_add(line);
    }
    free(line);
    fclose(fp);
    return 0;
}
