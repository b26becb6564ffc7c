/* katex.c: renders the whole book's math in one Node process (scripts/katex-render.mjs), which
 * is ~300 times faster than one process per expression. Input and output go through temporary
 * files rather than pipes: the child can then never block on a full pipe while the parent is
 * still writing, whatever the sizes, and there is nothing to poll. The framing is described in
 * katex-render.mjs. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mlmbook.h"

extern char **environ;

static int temp_file(char *path, size_t n, const char *what) {
    const char *dir = getenv("TMPDIR");
    snprintf(path, n, "%s/mlmbook-katex-%s-XXXXXX", dir && *dir ? dir : "/tmp", what);
    return mkstemp(path);
}

static int write_all(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Run node script < in > out; returns the exit status, or -1 (errno set) if it could not start. */
static int run_node(const char *node, const char *script, int in, int out) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in, 0);
    posix_spawn_file_actions_adddup2(&fa, out, 1);
    char *argv[] = {(char *)node, (char *)script, NULL};
    pid_t pid;
    int rc = posix_spawnp(&pid, node, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        errno = rc;
        return -1;
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Read the results; returns 0, or -1 if the output does not follow the framing. */
static int parse_results(const char *p, size_t len, mlmbook_math **items, size_t n) {
    size_t pos = 0;
    for (size_t i = 0; i < n; i++) {
        const char *nl = memchr(p + pos, '\n', len - pos);
        if (!nl) return -1;
        unsigned long line = 0, bytes = 0;
        int ok;
        if (sscanf(p + pos, "OK %lu\n", &bytes) == 1 && strncmp(p + pos, "OK ", 3) == 0) ok = 1;
        else if (sscanf(p + pos, "ERR %lu %lu\n", &line, &bytes) == 2) ok = 0;
        else return -1;
        pos = (size_t)(nl - p) + 1;
        if (bytes > len - pos) return -1;
        if (ok) {
            items[i]->html = mlmbook_strndup(p + pos, bytes);
        } else {
            const mlmbook_math *m = items[i];
            mlmbook_error(m->file, m->line + (int)line, "TeX error: %.*s", (int)bytes, p + pos);
        }
        pos += bytes;
    }
    return pos == len ? 0 : -1;
}

int mlmbook_katex_render(mlmbook_math **items, size_t n, const char *node, const char *script) {
    if (n == 0) return 0;
    int before = mlmbook_error_count();
    if (access(script, R_OK) != 0) {
        mlmbook_error(script, 0, "cannot read the KaTeX renderer (run mlmbook from the repository "
                                 "root, or pass --katex FILE): %s", strerror(errno));
        return -1;
    }
    mlmbook_buf in = {0};
    for (size_t i = 0; i < n; i++) {
        mlmbook_buf_printf(&in, "%c %zu\n", items[i]->display ? 'D' : 'I', strlen(items[i]->tex));
        mlmbook_buf_puts(&in, items[i]->tex);
    }
    char in_path[4096], out_path[4096];
    int in_fd = temp_file(in_path, sizeof in_path, "in");
    int out_fd = in_fd < 0 ? -1 : temp_file(out_path, sizeof out_path, "out");
    if (in_fd < 0 || out_fd < 0) {
        mlmbook_error("mlmbook", 0, "cannot create a temporary file for KaTeX: %s", strerror(errno));
        if (in_fd >= 0) {
            close(in_fd);
            unlink(in_path);
        }
        mlmbook_buf_free(&in);
        return -1;
    }
    int rc = -2;
    if (write_all(in_fd, in.data, in.len) == 0 && lseek(in_fd, 0, SEEK_SET) == 0)
        rc = run_node(node, script, in_fd, out_fd);
    int err = errno;
    mlmbook_buf_free(&in);
    close(in_fd);
    close(out_fd);
    unlink(in_path);
    size_t out_len = 0;
    char *out = rc == 0 ? mlmbook_file_read(out_path, &out_len) : NULL;
    unlink(out_path);

    if (rc == -2) {
        mlmbook_error("mlmbook", 0, "cannot write KaTeX's input: %s", strerror(err));
    } else if (rc == -1) {
        mlmbook_error("mlmbook", 0, "cannot run '%s' to render math with KaTeX: %s", node, strerror(err));
    } else if (rc != 0) {
        mlmbook_error(script, 0, "the KaTeX renderer failed (exit status %d; is KaTeX installed? run make setup)", rc);
    } else if (!out || parse_results(out, out_len, items, n) != 0) {
        mlmbook_error(script, 0, "the KaTeX renderer's output does not follow the framing");
    }
    free(out);
    return mlmbook_error_count() == before ? 0 : -1;
}
