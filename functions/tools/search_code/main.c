/* search_code {query, path?}: lines containing a literal text (case-insensitive, as OrdinalIgnoreCase), as
   "path:line: text" with the line trimmed; at most 200 matches. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../common/tool.h"

enum { MAX_MATCHES = 200 };

/* The code points of s[start, end), folded as OrdinalIgnoreCase folds them. */
static size_t fold_range(const char *s, size_t start, size_t end, uint32_t **out, size_t *cap)
{
    size_t n = 0;
    for (size_t i = start; i < end;) {
        if (n == *cap) {
            *cap = *cap ? *cap * 2 : 256;
            *out = xrealloc(*out, *cap * sizeof(uint32_t));
        }
        (*out)[n++] = fold_case(utf8_next(s, end, &i));
    }
    return n;
}

static int contains(const uint32_t *text, size_t n, const uint32_t *query, size_t m)
{
    for (size_t k = 0; k + m <= n; k++) {
        if (memcmp(text + k, query, m * sizeof(uint32_t)) == 0) {
            return 1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *arguments = tool_arguments(argc, argv);
    char *query = required_string(arguments, "query");
    string_list files = repository_files(optional_string(arguments, "path"));
    long long limit = max_read_bytes();

    uint32_t *folded_query = NULL, *folded_line = NULL;
    size_t query_cap = 0, line_cap = 0;
    size_t query_len = fold_range(query, 0, strlen(query), &folded_query, &query_cap);

    buffer output = {0};
    buffer_append(&output, "", 0);
    int matches = 0;
    for (size_t f = 0; f < files.count && matches < MAX_MATCHES; f++) {
        struct stat st;
        if (stat(files.items[f], &st) != 0 || !S_ISREG(st.st_mode) || (long long)st.st_size > limit) {
            continue;
        }
        buffer bytes = {0};
        if (read_file_bytes(files.items[f], (long long)st.st_size, &bytes) != 0) {
            free(bytes.data);
            continue;
        }
        buffer text = decode_text((const unsigned char *)bytes.data, bytes.len);
        free(bytes.data);

        /* File.ReadAllLines: lines end at "\r\n", "\n" or "\r"; a final terminator adds no empty line. */
        size_t line_number = 0;
        for (size_t start = 0; start < text.len && matches < MAX_MATCHES;) {
            size_t end = start;
            while (end < text.len && text.data[end] != '\n' && text.data[end] != '\r') {
                end++;
            }
            line_number++;
            size_t line_len = fold_range(text.data, start, end, &folded_line, &line_cap);
            if (contains(folded_line, line_len, folded_query, query_len)) {
                size_t trim_start = start, trim_end = end;
                trim_range(text.data, &trim_start, &trim_end);
                char number[24];
                snprintf(number, sizeof number, ":%zu: ", line_number);
                char *shown = display_path(files.items[f]);
                buffer_puts(&output, shown);
                free(shown);
                buffer_puts(&output, number);
                buffer_append(&output, text.data + trim_start, trim_end - trim_start);
                buffer_append(&output, "\n", 1);
                matches++;
            }
            if (end < text.len && text.data[end] == '\r' && end + 1 < text.len && text.data[end + 1] == '\n') {
                end++;
            }
            start = end + 1;
        }
        free(text.data);
    }

    size_t preview_size = strlen(query) + 64;
    char *preview = xmalloc(preview_size);
    snprintf(preview, preview_size, "%d match(es) for \"%s\"", matches, query);
    succeed(&output, preview);
}
