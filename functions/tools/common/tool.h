/* Shared by the sandboxed repository tools (list_files, read_file, search_code).

   Contract with the host (functions/Agents.Core/Sandbox, RepositoryTools.cs):
   - argv[1] is the tool's JSON arguments object;
   - the repository is the only preopened directory (read-only, at "/"); relative paths resolve inside it;
   - TOOL_REPOSITORY names the repository (for messages), TOOL_MAX_READ_BYTES is Workspace:MaxReadBytes;
   - exit 0: stdout is the output, stderr the one-line preview;
     exit 1: the tool failed (stderr: why), as ToolOutput.Failure;
     exit 2: the arguments are unusable (stderr: why), as ToolArgumentException;
     exit 3: anything else went wrong (stderr: what).
   Outputs and messages are byte for byte those of the C# tools they replace. */
#ifndef TOOL_H
#define TOOL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

enum { EXIT_TOOL_FAILED = 1, EXIT_BAD_ARGUMENTS = 2, EXIT_INTERNAL = 3 };

/* A growable byte buffer; data is always NUL-terminated. */
typedef struct {
    char *data;
    size_t len, cap;
} buffer;

void buffer_append(buffer *b, const char *bytes, size_t len);
void buffer_puts(buffer *b, const char *text);

/* A growable list of strings. */
typedef struct {
    char **items;
    size_t count, cap;
} string_list;

void list_add(string_list *l, char *item);

void *xmalloc(size_t size);
void *xrealloc(void *p, size_t size);
char *xstrdup(const char *s);

/* Writes the message to stderr and exits with the code. */
_Noreturn void fail(int code, const char *format, ...) __attribute__((format(printf, 2, 3)));

/* Writes the output to stdout and the preview to stderr, then exits 0. */
_Noreturn void succeed(const buffer *output, const char *preview);

/* The JSON arguments (argv[1]); "{}" when absent. */
const char *tool_arguments(int argc, char **argv);

/* ToolArguments.RequiredString: the string value of the property, non-empty and not only white space. */
char *required_string(const char *json, const char *name);

/* ToolArguments.OptionalString: the string value of the property, or NULL. */
char *optional_string(const char *json, const char *name);

const char *repository_name(void);
long long max_read_bytes(void);

/* RepositoryWorkspace.ResolveInside: a repository-relative path, normalized ("." for the root); refuses absolute
   paths, ".." and any symbolic link on the way. *trailing_slash tells whether the path ended with '/'; *exists
   whether the path exists, and then *info is its status (a symbolic link is never followed). */
char *resolve_inside(const char *relative_path, int *trailing_slash, int *exists, struct stat *info);

/* RepositoryWorkspace.Files: the files under the folder (NULL: the whole repository) as repository-relative paths
   in ordinal (UTF-16) order, skipping .git, bin, obj, node_modules, __pycache__, .venv and every symbolic link. */
string_list repository_files(const char *under);

/* A repository-relative path as the tools print it: '\\' in a name shows as '/' (Path.GetRelativePath(...).Replace('\\', '/')). */
char *display_path(const char *path);

/* Reads a file (without following a final symbolic link) until its end or, when size is above 0, until size bytes
   are read: one read call for most files (every WASI file call is a round trip to the host). Returns 0 or an errno. */
int read_file_bytes(const char *path, long long size, buffer *out);

/* File.ReadAllText's decoding: byte order mark detection (UTF-8, UTF-16, UTF-32), otherwise UTF-8; invalid
   sequences become U+FFFD as .NET replaces them. The result is valid UTF-8. */
buffer decode_text(const unsigned char *bytes, size_t len);

/* Decodes one code point of valid UTF-8 at s[*i] and advances *i. */
uint32_t utf8_next(const char *s, size_t len, size_t *i);

/* char.IsWhiteSpace. */
int is_white_space(uint32_t cp);

/* string.Trim(): the [*start, *end) range of s[start, end) without leading and trailing white space. */
void trim_range(const char *s, size_t *start, size_t *end);

/* How StringComparison.OrdinalIgnoreCase folds a code point. */
uint32_t fold_case(uint32_t cp);

#endif
