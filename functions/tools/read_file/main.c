/* read_file {path}: one text file of the repository, after a "==> path <==" header line. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/tool.h"

int main(int argc, char **argv)
{
    const char *arguments = tool_arguments(argc, argv);
    char *path = required_string(arguments, "path");
    int trailing_slash, exists;
    struct stat st;
    char *full = resolve_inside(path, &trailing_slash, &exists, &st);

    /* File.Exists: a file that is not a folder; a path ending with '/' never is one. */
    if (trailing_slash || strcmp(full, ".") == 0 || !exists || !S_ISREG(st.st_mode)) {
        fail(EXIT_TOOL_FAILED, "file '%s' does not exist in %s", path, repository_name());
    }

    long long limit = max_read_bytes();
    if ((long long)st.st_size > limit) {
        fail(EXIT_TOOL_FAILED, "file '%s' is %lld bytes; the limit is %lld (Workspace:MaxReadBytes)", path, (long long)st.st_size, limit);
    }

    buffer bytes = {0};
    int error = read_file_bytes(full, (long long)st.st_size, &bytes);
    if (error != 0) {
        fail(EXIT_INTERNAL, "could not read '%s': %s", path, strerror(error));
    }
    buffer content = decode_text((const unsigned char *)bytes.data, bytes.len);

    size_t lines = 0;
    for (size_t k = 0; k < content.len; k++) {
        lines += content.data[k] == '\n';
    }

    buffer output = {0};
    buffer_puts(&output, "==> ");
    buffer_puts(&output, path);
    buffer_puts(&output, " <==\n");
    buffer_append(&output, content.data, content.len);

    size_t preview_size = strlen(path) + 64;
    char *preview = xmalloc(preview_size);
    snprintf(preview, preview_size, "%s: %zu lines, %lld bytes", path, lines, (long long)bytes.len);
    succeed(&output, preview);
}
