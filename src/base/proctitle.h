/* proctitle.h - setting the process title shown by ps (see proctitle.c). */
#ifndef VESPER_PROCTITLE_H
#define VESPER_PROCTITLE_H

/* Call first thing in main, before anything reads or changes the environment:
 * returns a heap copy of argv (NULL-terminated, never freed) to use from then on,
 * and makes the memory of the original argv and environment strings the title's.
 * When memory runs out the original argv is returned and titles stay off. */
char **proctitle_init(int argc, char **argv);

/* Shows title, cut to 255 bytes (as Redis's setproctitle) and to the room the
 * original arguments and environment took.
 * A no-op before proctitle_init or when it could not move the environment. */
void proctitle_set(const char *title);

#endif
