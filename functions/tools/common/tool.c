#include "tool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "casefold.h"

/* ---- memory and buffers ---- */

void *xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p) {
        fail(EXIT_INTERNAL, "out of memory (allocating %zu bytes)", size);
    }
    return p;
}

void *xrealloc(void *p, size_t size)
{
    void *q = realloc(p, size ? size : 1);
    if (!q) {
        fail(EXIT_INTERNAL, "out of memory (allocating %zu bytes)", size);
    }
    return q;
}

char *xstrdup(const char *s)
{
    size_t n = strlen(s);
    char *copy = xmalloc(n + 1);
    memcpy(copy, s, n + 1);
    return copy;
}

void buffer_append(buffer *b, const char *bytes, size_t len)
{
    if (b->len + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + len + 1) {
            cap *= 2;
        }
        b->data = xrealloc(b->data, cap);
        b->cap = cap;
    }
    if (len) {
        memcpy(b->data + b->len, bytes, len);
    }
    b->len += len;
    b->data[b->len] = '\0';
}

void buffer_puts(buffer *b, const char *text) { buffer_append(b, text, strlen(text)); }

static void buffer_put_code_point(buffer *b, uint32_t cp)
{
    char out[4];
    size_t n;
    if (cp < 0x80) {
        out[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        out[0] = (char)(0xF0 | (cp >> 18));
        out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    buffer_append(b, out, n);
}

void list_add(string_list *l, char *item)
{
    if (l->count == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->items = xrealloc(l->items, l->cap * sizeof(char *));
    }
    l->items[l->count++] = item;
}

/* ---- exit paths ---- */

_Noreturn void fail(int code, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
    fflush(stderr);
    exit(code);
}

static int write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

_Noreturn void succeed(const buffer *output, const char *preview)
{
    if (output->len && write_all(STDOUT_FILENO, output->data, output->len) != 0) {
        fail(EXIT_INTERNAL, "could not write the output (%zu bytes): %s", output->len, strerror(errno));
    }
    write_all(STDERR_FILENO, preview, strlen(preview));
    exit(0);
}

/* ---- UTF-8 ---- */

/* Decodes one code point at s[*i]; an invalid sequence yields U+FFFD for its maximal subpart (as .NET does). */
static uint32_t utf8_decode_one(const unsigned char *s, size_t len, size_t *i)
{
    unsigned char b0 = s[*i];
    if (b0 < 0x80) {
        (*i)++;
        return b0;
    }

    size_t need;
    uint32_t cp;
    unsigned char lo = 0x80, hi = 0xBF;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        need = 1;
        cp = b0 & 0x1F;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        need = 2;
        cp = b0 & 0x0F;
        if (b0 == 0xE0) {
            lo = 0xA0;
        } else if (b0 == 0xED) {
            hi = 0x9F;
        }
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        need = 3;
        cp = b0 & 0x07;
        if (b0 == 0xF0) {
            lo = 0x90;
        } else if (b0 == 0xF4) {
            hi = 0x8F;
        }
    } else {
        (*i)++;
        return 0xFFFD;
    }

    size_t j = *i + 1;
    for (size_t k = 0; k < need; k++, j++) {
        if (j >= len || s[j] < lo || s[j] > hi) {
            *i = j;
            return 0xFFFD;
        }
        cp = (cp << 6) | (s[j] & 0x3F);
        lo = 0x80;
        hi = 0xBF;
    }
    *i = j;
    return cp;
}

uint32_t utf8_next(const char *s, size_t len, size_t *i) { return utf8_decode_one((const unsigned char *)s, len, i); }

int is_white_space(uint32_t cp)
{
    return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A)
        || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

void trim_range(const char *s, size_t *start, size_t *end)
{
    while (*start < *end) {
        size_t next = *start;
        if (!is_white_space(utf8_next(s, *end, &next))) {
            break;
        }
        *start = next;
    }
    while (*end > *start) {
        size_t begin = *end - 1;
        while (begin > *start && ((unsigned char)s[begin] & 0xC0) == 0x80) {
            begin--;
        }
        size_t next = begin;
        if (!is_white_space(utf8_next(s, *end, &next))) {
            break;
        }
        *end = begin;
    }
}

uint32_t fold_case(uint32_t cp)
{
    if (cp < 0x80) {
        return cp >= 'a' && cp <= 'z' ? cp - 0x20 : cp;
    }
    size_t lo = 0, hi = sizeof casefold_table / sizeof casefold_table[0];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (casefold_table[mid][0] == cp) {
            return casefold_table[mid][1];
        }
        if (casefold_table[mid][0] < cp) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return cp;
}

/* ---- text files ---- */

static uint32_t read_unit(const unsigned char *p, int size, int big_endian)
{
    uint32_t v = 0;
    for (int k = 0; k < size; k++) {
        v |= (uint32_t)p[big_endian ? k : size - 1 - k] << (8 * (size - 1 - k));
    }
    return v;
}

buffer decode_text(const unsigned char *bytes, size_t len)
{
    buffer out = {0};
    buffer_append(&out, "", 0);
    int unit = 0, big_endian = 0; /* 0: UTF-8, 2: UTF-16, 4: UTF-32 */
    size_t i = 0;
    if (len >= 2 && bytes[0] == 0xFE && bytes[1] == 0xFF) {
        unit = 2, big_endian = 1, i = 2;
    } else if (len >= 2 && bytes[0] == 0xFF && bytes[1] == 0xFE) {
        if (len >= 4 && bytes[2] == 0 && bytes[3] == 0) {
            unit = 4, i = 4;
        } else {
            unit = 2, i = 2;
        }
    } else if (len >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF) {
        i = 3;
    } else if (len >= 4 && bytes[0] == 0 && bytes[1] == 0 && bytes[2] == 0xFE && bytes[3] == 0xFF) {
        unit = 4, big_endian = 1, i = 4;
    }

    if (unit == 0) {
        while (i < len) {
            size_t start = i;
            if (utf8_decode_one(bytes, len, &i) == 0xFFFD) {
                buffer_put_code_point(&out, 0xFFFD); /* a replaced sequence, or U+FFFD itself */
            } else {
                buffer_append(&out, (const char *)bytes + start, i - start);
            }
        }
    } else if (unit == 2) {
        for (; i + 1 < len; i += 2) {
            uint32_t u = read_unit(bytes + i, 2, big_endian);
            if (u >= 0xD800 && u <= 0xDBFF && i + 3 < len) {
                uint32_t low = read_unit(bytes + i + 2, 2, big_endian);
                if (low >= 0xDC00 && low <= 0xDFFF) {
                    buffer_put_code_point(&out, 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00));
                    i += 2;
                    continue;
                }
            }
            buffer_put_code_point(&out, u >= 0xD800 && u <= 0xDFFF ? 0xFFFD : u);
        }
        if (i < len) {
            buffer_put_code_point(&out, 0xFFFD);
        }
    } else {
        for (; i + 3 < len; i += 4) {
            uint32_t u = read_unit(bytes + i, 4, big_endian);
            buffer_put_code_point(&out, u > 0x10FFFF || (u >= 0xD800 && u <= 0xDFFF) ? 0xFFFD : u);
        }
        if (i < len) {
            buffer_put_code_point(&out, 0xFFFD);
        }
    }
    return out;
}

int read_file_bytes(const char *path, long long size, buffer *out)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW);
    if (fd < 0) {
        return errno;
    }
    if (size > 0) {
        buffer_append(out, "", 0);
        if (out->cap < (size_t)size + 1) {
            out->data = xrealloc(out->data, (size_t)size + 1);
            out->cap = (size_t)size + 1;
        }
    }
    char chunk[16384];
    while (size <= 0 || (long long)out->len < size) {
        ssize_t n = size > 0 ? read(fd, out->data + out->len, (size_t)size - out->len) : read(fd, chunk, sizeof chunk);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            int e = errno;
            close(fd);
            return e;
        }
        if (n == 0) {
            break;
        }
        if (size > 0) {
            out->len += (size_t)n;
            out->data[out->len] = '\0';
        } else {
            buffer_append(out, chunk, (size_t)n);
        }
    }
    close(fd);
    if (!out->data) {
        buffer_append(out, "", 0);
    }
    return 0;
}

/* ---- arguments (a small JSON reader: objects, arrays, strings, literals) ---- */

typedef struct {
    const char *s;
    size_t i, n;
} json_reader;

static void json_space(json_reader *r)
{
    while (r->i < r->n && (r->s[r->i] == ' ' || r->s[r->i] == '\t' || r->s[r->i] == '\n' || r->s[r->i] == '\r')) {
        r->i++;
    }
}

static int hex4(json_reader *r, uint32_t *v)
{
    if (r->i + 4 > r->n) {
        return 0;
    }
    *v = 0;
    for (int k = 0; k < 4; k++) {
        char c = r->s[r->i++];
        *v <<= 4;
        if (c >= '0' && c <= '9') {
            *v |= (uint32_t)(c - '0');
        } else if (c >= 'a' && c <= 'f') {
            *v |= (uint32_t)(c - 'a' + 10);
        } else if (c >= 'A' && c <= 'F') {
            *v |= (uint32_t)(c - 'A' + 10);
        } else {
            return 0;
        }
    }
    return 1;
}

/* Reads a string at r->i (the opening quote); decodes it into out when out is not NULL. */
static int json_string(json_reader *r, buffer *out)
{
    if (r->i >= r->n || r->s[r->i] != '"') {
        return 0;
    }
    r->i++;
    while (r->i < r->n) {
        char c = r->s[r->i++];
        if (c == '"') {
            if (out && !out->data) {
                buffer_append(out, "", 0);
            }
            return 1;
        }
        if (c != '\\') {
            if (out) {
                buffer_append(out, &c, 1);
            }
            continue;
        }
        if (r->i >= r->n) {
            return 0;
        }
        char e = r->s[r->i++];
        uint32_t cp;
        switch (e) {
        case '"': cp = '"'; break;
        case '\\': cp = '\\'; break;
        case '/': cp = '/'; break;
        case 'b': cp = '\b'; break;
        case 'f': cp = '\f'; break;
        case 'n': cp = '\n'; break;
        case 'r': cp = '\r'; break;
        case 't': cp = '\t'; break;
        case 'u':
            if (!hex4(r, &cp)) {
                return 0;
            }
            if (cp >= 0xD800 && cp <= 0xDBFF && r->i + 6 <= r->n && r->s[r->i] == '\\' && r->s[r->i + 1] == 'u') {
                json_reader peek = *r;
                uint32_t low;
                peek.i += 2;
                if (hex4(&peek, &low) && low >= 0xDC00 && low <= 0xDFFF) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                    r->i = peek.i;
                }
            }
            if (cp >= 0xD800 && cp <= 0xDFFF) {
                cp = 0xFFFD; /* a lone surrogate: .NET writes it to UTF-8 as U+FFFD */
            }
            break;
        default: return 0;
        }
        if (out) {
            buffer_put_code_point(out, cp);
        }
    }
    return 0;
}

static int json_skip_value(json_reader *r, int depth)
{
    json_space(r);
    if (r->i >= r->n || depth > 64) {
        return 0;
    }
    char c = r->s[r->i];
    if (c == '"') {
        return json_string(r, NULL);
    }
    if (c == '{' || c == '[') {
        char close = c == '{' ? '}' : ']';
        r->i++;
        json_space(r);
        if (r->i < r->n && r->s[r->i] == close) {
            r->i++;
            return 1;
        }
        for (;;) {
            if (c == '{') {
                json_space(r);
                if (!json_string(r, NULL)) {
                    return 0;
                }
                json_space(r);
                if (r->i >= r->n || r->s[r->i++] != ':') {
                    return 0;
                }
            }
            if (!json_skip_value(r, depth + 1)) {
                return 0;
            }
            json_space(r);
            if (r->i >= r->n) {
                return 0;
            }
            char sep = r->s[r->i++];
            if (sep == close) {
                return 1;
            }
            if (sep != ',') {
                return 0;
            }
        }
    }
    size_t start = r->i;
    while (r->i < r->n && (r->s[r->i] == '-' || r->s[r->i] == '+' || r->s[r->i] == '.' || (r->s[r->i] >= '0' && r->s[r->i] <= '9')
                              || (r->s[r->i] >= 'a' && r->s[r->i] <= 'z') || (r->s[r->i] >= 'A' && r->s[r->i] <= 'Z'))) {
        r->i++;
    }
    return r->i > start;
}

/* The last property of that name (as JsonElement.TryGetProperty): 1 and its decoded value when it is a string. */
static int json_property_string(const char *json, const char *name, buffer *value)
{
    json_reader r = {json, 0, strlen(json)};
    json_space(&r);
    if (r.i >= r.n || r.s[r.i] != '{') {
        return 0;
    }
    r.i++;
    json_space(&r);
    if (r.i < r.n && r.s[r.i] == '}') {
        return 0;
    }
    int found = 0;
    for (;;) {
        buffer key = {0};
        json_space(&r);
        if (!json_string(&r, &key)) {
            free(key.data);
            return 0;
        }
        int match = strlen(key.data) == key.len && strcmp(key.data, name) == 0;
        free(key.data);
        json_space(&r);
        if (r.i >= r.n || r.s[r.i++] != ':') {
            return 0;
        }
        json_space(&r);
        if (match) {
            if (r.i < r.n && r.s[r.i] == '"') {
                buffer v = {0};
                if (!json_string(&r, &v)) {
                    free(v.data);
                    return 0;
                }
                free(value->data);
                *value = v;
                found = 1;
            } else {
                if (!json_skip_value(&r, 0)) {
                    return 0;
                }
                found = 0;
            }
        } else if (!json_skip_value(&r, 0)) {
            return 0;
        }
        json_space(&r);
        if (r.i >= r.n) {
            return 0;
        }
        char sep = r.s[r.i++];
        if (sep == '}') {
            return found;
        }
        if (sep != ',') {
            return 0;
        }
    }
}

const char *tool_arguments(int argc, char **argv) { return argc > 1 ? argv[1] : "{}"; }

static char *string_argument(const char *json, const char *name, int required)
{
    buffer value = {0};
    if (!json_property_string(json, name, &value)) {
        free(value.data);
        if (required) {
            fail(EXIT_BAD_ARGUMENTS, "argument '%s' (a non-empty string) is required", name);
        }
        return NULL;
    }
    if (strlen(value.data) != value.len) {
        fail(EXIT_BAD_ARGUMENTS, "argument '%s' contains a NUL character", name);
    }
    if (required) {
        size_t start = 0, end = value.len;
        trim_range(value.data, &start, &end);
        if (start == end) {
            fail(EXIT_BAD_ARGUMENTS, "argument '%s' (a non-empty string) is required", name);
        }
    }
    return value.data;
}

char *required_string(const char *json, const char *name) { return string_argument(json, name, 1); }

char *optional_string(const char *json, const char *name) { return string_argument(json, name, 0); }

const char *repository_name(void)
{
    const char *name = getenv("TOOL_REPOSITORY");
    return name ? name : "the repository";
}

long long max_read_bytes(void)
{
    const char *value = getenv("TOOL_MAX_READ_BYTES");
    long long n = value ? atoll(value) : 0;
    return n > 0 ? n : 64 * 1024;
}

/* ---- paths ---- */

char *resolve_inside(const char *relative_path, int *trailing_slash, int *exists, struct stat *info)
{
    char *normalized = xstrdup(relative_path);
    for (char *p = normalized; *p; p++) {
        if (*p == '\\') {
            *p = '/';
        }
    }
    size_t start = 0, end = strlen(normalized);
    trim_range(normalized, &start, &end);
    normalized[end] = '\0';
    char *text = normalized + start;
    size_t len = end - start;

    int dot_dot = 0;
    for (size_t i = 0; i < len;) {
        size_t j = i;
        while (j < len && text[j] != '/') {
            j++;
        }
        if (j - i == 2 && text[i] == '.' && text[i + 1] == '.') {
            dot_dot = 1;
        }
        i = j + 1;
    }
    if (len == 0 || text[0] == '/' || dot_dot) {
        fail(EXIT_BAD_ARGUMENTS, "path '%s' must be relative to the repository and must not contain '..'", relative_path);
    }
    *trailing_slash = text[len - 1] == '/';

    /* Path.GetFullPath: drop empty and "." segments. */
    buffer full = {0};
    buffer_append(&full, "", 0);
    for (size_t i = 0; i < len;) {
        size_t j = i;
        while (j < len && text[j] != '/') {
            j++;
        }
        if (j > i && !(j - i == 1 && text[i] == '.')) {
            if (full.len) {
                buffer_append(&full, "/", 1);
            }
            buffer_append(&full, text + i, j - i);
        }
        i = j + 1;
    }
    free(normalized);
    if (full.len == 0) {
        free(full.data);
        *exists = stat(".", info) == 0;
        return xstrdup(".");
    }

    /* No symbolic link anywhere on the way, the last component included. */
    char *prefix = xstrdup(full.data);
    *exists = 0;
    for (size_t k = full.len; k > 0; k--) {
        if (k == full.len || full.data[k] == '/') {
            prefix[k] = '\0';
            struct stat st;
            if (fstatat(AT_FDCWD, prefix, &st, AT_SYMLINK_NOFOLLOW) != 0) {
                continue;
            }
            if (S_ISLNK(st.st_mode)) {
                fail(EXIT_BAD_ARGUMENTS, "path '%s' goes through a symbolic link, which tools may not follow", relative_path);
            }
            if (k == full.len) {
                *exists = 1;
                *info = st;
            }
        }
    }
    free(prefix);
    return full.data;
}

/* ---- the file walk ---- */

static int is_ignored_folder(const char *name)
{
    static const char *const ignored[] = {".git", "bin", "obj", "node_modules", "__pycache__", ".venv"};
    for (size_t k = 0; k < sizeof ignored / sizeof ignored[0]; k++) {
        if (strcmp(name, ignored[k]) == 0) {
            return 1;
        }
    }
    return 0;
}

/* StringComparer.Ordinal compares UTF-16 code units: code points from U+E000 to U+FFFF sort after the
   supplementary ones (their surrogates start at U+D800). Names compare as displayed ('\\' as '/'). */
static uint32_t utf16_order(uint32_t cp) { return cp == '\\' ? '/' : cp >= 0xE000 && cp <= 0xFFFF ? cp + 0x200000 : cp; }

static int ordinal_compare(const void *a, const void *b)
{
    const unsigned char *x = *(const unsigned char *const *)a, *y = *(const unsigned char *const *)b;
    size_t nx = strlen((const char *)x), ny = strlen((const char *)y), i = 0, j = 0;
    while (i < nx && j < ny) {
        uint32_t cx = utf16_order(utf8_decode_one(x, nx, &i)), cy = utf16_order(utf8_decode_one(y, ny, &j));
        if (cx != cy) {
            return cx < cy ? -1 : 1;
        }
    }
    return (i < nx) - (j < ny);
}

string_list repository_files(const char *under)
{
    const char *start = ".";
    char *resolved = NULL;
    int exists = 1;
    struct stat st = {0};
    st.st_mode = S_IFDIR;
    if (under) {
        int trailing_slash;
        resolved = resolve_inside(under, &trailing_slash, &exists, &st);
        start = resolved;
    }
    if (!exists || !S_ISDIR(st.st_mode)) {
        fail(EXIT_BAD_ARGUMENTS, "folder '%s' does not exist in the repository", under ? under : "");
    }

    string_list files = {0}, pending = {0};
    list_add(&pending, xstrdup(start));
    while (pending.count > 0) {
        char *dir = pending.items[--pending.count];
        DIR *d = opendir(dir);
        if (!d) {
            fail(EXIT_INTERNAL, "could not list the folder '%s': %s", dir, strerror(errno));
        }
        struct dirent *entry;
        while ((entry = readdir(d)) != NULL) {
            const char *name = entry->d_name;
            if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
                continue;
            }
            buffer path = {0};
            if (strcmp(dir, ".") != 0) {
                buffer_puts(&path, dir);
                buffer_append(&path, "/", 1);
            }
            buffer_puts(&path, name);

            unsigned char type = entry->d_type;
            if (type == DT_UNKNOWN) {
                struct stat entry_stat;
                if (fstatat(AT_FDCWD, path.data, &entry_stat, AT_SYMLINK_NOFOLLOW) != 0) {
                    free(path.data);
                    continue;
                }
                type = S_ISDIR(entry_stat.st_mode) ? DT_DIR : S_ISLNK(entry_stat.st_mode) ? DT_LNK : DT_REG;
            }
            if (type == DT_LNK) {
                free(path.data);
            } else if (type == DT_DIR) {
                if (is_ignored_folder(name)) {
                    free(path.data);
                } else {
                    list_add(&pending, path.data);
                }
            } else {
                list_add(&files, path.data);
            }
        }
        closedir(d);
        free(dir);
    }
    free(pending.items);
    free(resolved);
    if (files.count > 1) {
        qsort(files.items, files.count, sizeof(char *), ordinal_compare);
    }
    return files;
}

char *display_path(const char *path)
{
    char *shown = xstrdup(path);
    for (char *p = shown; *p; p++) {
        if (*p == '\\') {
            *p = '/';
        }
    }
    return shown;
}
