/* list_files {path?}: the repository's files (relative paths, one a line, ordinal order), optionally under one folder. */
#include <stdio.h>

#include "../common/tool.h"

int main(int argc, char **argv)
{
    const char *arguments = tool_arguments(argc, argv);
    string_list files = repository_files(optional_string(arguments, "path"));

    buffer output = {0};
    buffer_append(&output, "", 0);
    for (size_t k = 0; k < files.count; k++) {
        if (k > 0) {
            buffer_append(&output, "\n", 1);
        }
        buffer_puts(&output, display_path(files.items[k]));
    }

    char preview[64];
    snprintf(preview, sizeof preview, "%zu files", files.count);
    succeed(&output, preview);
}
