/*
 * pidfile.c - write, check and remove the --pidfile.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "log.h"
#include "pidfile.h"

/* The process ID in path: > 0, 0 when the file holds none, -1 when it
 * cannot be read (errno). */
static pid_t
read_pid(const char *path)
{
    g_autofree char *text = NULL;
    guint64 v;

    if (!g_file_get_contents(path, &text, NULL, NULL))
        return -1;
    g_strstrip(text);
    if (!g_ascii_string_to_unsigned(text, 10, 1, G_MAXINT32, &v, NULL))
        return 0;
    return (pid_t)v;
}

/* kill(pid, 0) fails with EPERM for a live process of another user. */
static gboolean
is_alive(pid_t pid)
{
    return kill(pid, 0) == 0 || errno == EPERM;
}

/* A temporary file next to path holding "PID\n".  NULL with *err. */
static char *
write_temp(const char *path, GError **err)
{
    char *tmp = g_strdup_printf("%s.%ld.tmp", path, (long)getpid());
    char line[32];
    int fd, n;

    n = g_snprintf(line, sizeof line, "%ld\n", (long)getpid());
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || write(fd, line, (size_t)n) != n || fsync(fd) != 0) {
        g_set_error(err, FL_ERROR, FL_ERROR_IO, "--pidfile: %s: %s", tmp,
                    g_strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(tmp);
        }
        g_free(tmp);
        return NULL;
    }
    close(fd);
    return tmp;
}

gboolean
fl_pidfile_create(const char *path, GError **err)
{
    g_autofree char *tmp = write_temp(path, err);
    gboolean ok = FALSE;

    if (tmp == NULL)
        return FALSE;
    /* Two tries: the second after removing a stale file. */
    for (int i = 0; i < 2 && !ok; i++) {
        pid_t other;

        if (link(tmp, path) == 0) {
            ok = TRUE;
            break;
        }
        if (errno != EEXIST) {
            g_set_error(err, FL_ERROR, FL_ERROR_IO, "--pidfile: %s: %s",
                        path, g_strerror(errno));
            break;
        }
        other = read_pid(path);
        if (other > 0 && other != getpid() && is_alive(other)) {
            g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "--pidfile: %s: "
                        "already running as process %ld", path,
                        (long)other);
            break;
        }
        if (i == 0) {
            fl_log_warnx("--pidfile: %s: removing a stale file (%s)", path,
                         other > 0 ? "its process is gone" : "no process "
                         "ID in it");
            unlink(path);
        } else {
            g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "--pidfile: %s: "
                        "taken by another process starting at the same "
                        "time", path);
        }
    }
    unlink(tmp);
    return ok;
}

void
fl_pidfile_remove(const char *path)
{
    if (path && read_pid(path) == getpid())
        unlink(path);
}
