using System.Text;
using Agents.Core.Sandbox;

namespace Agents.Core.Tests.Sandbox;

/// <summary>
/// Small purpose-built modules (WebAssembly text, compiled by Wasmtime at test time: no toolchain needed) that try to
/// get out of the sandbox or exhaust it. Each module name is unique, since the sandbox compiles a name once.
/// </summary>
static class HostileModules
{
    const string Wasi = "wasi_snapshot_preview1";

    /// <summary>WASI preview 1: rights to read a file's data, lookup flag that follows a final symbolic link, open flag that creates.</summary>
    public const long RightFdRead = 0x2, RightFdWrite = 0x40;
    public const int LookupFollowSymlinks = 1, OpenCreate = 1;

    /// <summary>
    /// Exit codes of <see cref="OpenAndPrint"/>: the errno (1 to 76) when path_open fails, 120 when the read fails
    /// (WASI exit codes stop at 125).
    /// </summary>
    public const int ReadFailed = 120;

    /// <summary>Opens a path relative to the preopened folder (fd 3) with raw WASI calls and copies what it reads to stdout.</summary>
    public static WasmModuleSource OpenAndPrint(string name, string path, int lookupFlags = 0, int openFlags = 0, long rights = RightFdRead) => WasmModuleSource.FromText(name, $$"""
        (module
          (import "{{Wasi}}" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
          (import "{{Wasi}}" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
          (import "{{Wasi}}" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
          (import "{{Wasi}}" "proc_exit" (func $proc_exit (param i32)))
          (memory (export "memory") 1)
          (data (i32.const 1024) "{{Escape(path)}}")
          (func (export "_start")
            (local $errno i32)
            (local.set $errno (call $path_open (i32.const 3) (i32.const {{lookupFlags}}) (i32.const 1024) (i32.const {{Encoding.UTF8.GetByteCount(path)}})
              (i32.const {{openFlags}}) (i64.const {{rights}}) (i64.const {{rights}}) (i32.const 0) (i32.const 16)))
            (if (local.get $errno) (then (call $proc_exit (local.get $errno))))
            (i32.store (i32.const 0) (i32.const 4096))
            (i32.store (i32.const 4) (i32.const 4096))
            (local.set $errno (call $fd_read (i32.load (i32.const 16)) (i32.const 0) (i32.const 1) (i32.const 8)))
            (if (local.get $errno) (then (call $proc_exit (i32.const {{ReadFailed}}))))
            (i32.store (i32.const 4) (i32.load (i32.const 8)))
            (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 12)))))
        """);

    /// <summary>Lists the preopened folders (fd_prestat_get from fd 3 up to 64), one name a line on stdout.</summary>
    public static WasmModuleSource ListPreopens(string name) => WasmModuleSource.FromText(name, $$"""
        (module
          (import "{{Wasi}}" "fd_prestat_get" (func $prestat_get (param i32 i32) (result i32)))
          (import "{{Wasi}}" "fd_prestat_dir_name" (func $prestat_dir_name (param i32 i32 i32) (result i32)))
          (import "{{Wasi}}" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
          (memory (export "memory") 1)
          (data (i32.const 2000) "\n")
          (func (export "_start")
            (local $fd i32)
            (local.set $fd (i32.const 3))
            (loop $next
              (if (i32.eqz (call $prestat_get (local.get $fd) (i32.const 32)))
                (then
                  (drop (call $prestat_dir_name (local.get $fd) (i32.const 1024) (i32.load (i32.const 36))))
                  (i32.store (i32.const 0) (i32.const 1024))
                  (i32.store (i32.const 4) (i32.load (i32.const 36)))
                  (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 20)))
                  (i32.store (i32.const 0) (i32.const 2000))
                  (i32.store (i32.const 4) (i32.const 1))
                  (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 20)))))
              (local.set $fd (i32.add (local.get $fd) (i32.const 1)))
              (br_if $next (i32.lt_u (local.get $fd) (i32.const 64))))))
        """);

    /// <summary>Imports a socket-creating function WASI preview 1 does not have (as some runtimes' extensions do).</summary>
    public static WasmModuleSource ImportsSocketOpen(string name) => WasmModuleSource.FromText(name, $$"""
        (module
          (import "{{Wasi}}" "sock_open" (func $sock_open (param i32 i32 i32) (result i32)))
          (memory (export "memory") 1)
          (func (export "_start") (drop (call $sock_open (i32.const 1) (i32.const 1) (i32.const 0)))))
        """);

    /// <summary>Imports connect from a host module the sandbox does not provide.</summary>
    public static WasmModuleSource ImportsHostConnect(string name) => WasmModuleSource.FromText(name, """
        (module
          (import "env" "connect" (func $connect (param i32 i32 i32) (result i32)))
          (memory (export "memory") 1)
          (func (export "_start") (drop (call $connect (i32.const 3) (i32.const 0) (i32.const 16)))))
        """);

    /// <summary>
    /// Uses preview 1's only socket calls (sock_accept, sock_send, sock_recv) on every descriptor from 0 to 63; exits 0
    /// only if one of them succeeded, otherwise with the last errno.
    /// </summary>
    public static WasmModuleSource TriesSockets(string name) => WasmModuleSource.FromText(name, $$"""
        (module
          (import "{{Wasi}}" "sock_accept" (func $sock_accept (param i32 i32 i32) (result i32)))
          (import "{{Wasi}}" "sock_send" (func $sock_send (param i32 i32 i32 i32 i32) (result i32)))
          (import "{{Wasi}}" "sock_recv" (func $sock_recv (param i32 i32 i32 i32 i32 i32) (result i32)))
          (import "{{Wasi}}" "proc_exit" (func $proc_exit (param i32)))
          (memory (export "memory") 1)
          (data (i32.const 1024) "GET / HTTP/1.0\r\n\r\n")
          (func (export "_start")
            (local $fd i32) (local $errno i32)
            (i32.store (i32.const 0) (i32.const 1024))
            (i32.store (i32.const 4) (i32.const 18))
            (loop $next
              (local.set $errno (call $sock_accept (local.get $fd) (i32.const 0) (i32.const 16)))
              (if (i32.eqz (local.get $errno)) (then (call $proc_exit (i32.const 0))))
              (local.set $errno (call $sock_send (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 0) (i32.const 20)))
              (if (i32.eqz (local.get $errno)) (then (call $proc_exit (i32.const 0))))
              (local.set $errno (call $sock_recv (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 0) (i32.const 20) (i32.const 24)))
              (if (i32.eqz (local.get $errno)) (then (call $proc_exit (i32.const 0))))
              (local.set $fd (i32.add (local.get $fd) (i32.const 1)))
              (br_if $next (i32.lt_u (local.get $fd) (i32.const 64))))
            (call $proc_exit (local.get $errno))))
        """);

    /// <summary>Spins forever in <c>_start</c>.</summary>
    public static WasmModuleSource InfiniteLoop(string name) => WasmModuleSource.FromText(name, """
        (module
          (memory (export "memory") 1)
          (func (export "_start") (loop $forever (br $forever))))
        """);

    /// <summary>Spins forever in its start function, that is while it is being instantiated.</summary>
    public static WasmModuleSource InfiniteLoopWhileInstantiating(string name) => WasmModuleSource.FromText(name, """
        (module
          (memory (export "memory") 1)
          (func $spin (loop $forever (br $forever)))
          (start $spin)
          (func (export "_start")))
        """);

    /// <summary>Grows its memory 16 pages at a time until refused, then traps, as an allocator that cannot get memory does.</summary>
    public static WasmModuleSource MemoryBomb(string name) => WasmModuleSource.FromText(name, """
        (module
          (memory (export "memory") 1)
          (func (export "_start")
            (loop $grow (br_if $grow (i32.ne (memory.grow (i32.const 16)) (i32.const -1))))
            unreachable))
        """);

    /// <summary>Asks for the pages in one go; exits 3 when refused (memory.grow returned -1), 0 when granted.</summary>
    public static WasmModuleSource GrowsPast(string name, long bytes) => WasmModuleSource.FromText(name, $$"""
        (module
          (import "{{Wasi}}" "proc_exit" (func $proc_exit (param i32)))
          (memory (export "memory") 1)
          (func (export "_start")
            (if (i32.eq (memory.grow (i32.const {{bytes / 65536}})) (i32.const -1)) (then (call $proc_exit (i32.const 3))))))
        """);

    /// <summary>Declares more initial memory than the cap.</summary>
    public static WasmModuleSource DeclaresMemory(string name, long bytes) => WasmModuleSource.FromText(name, $"""
        (module
          (memory (export "memory") {bytes / 65536})
          (func (export "_start")))
        """);

    /// <summary>Writes 64 KiB blocks to a stream forever, ignoring errors.</summary>
    public static WasmModuleSource Flood(string name, int fd) => WasmModuleSource.FromText(name, $$"""
        (module
          (import "{{Wasi}}" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
          (memory (export "memory") 2)
          (func (export "_start")
            (memory.fill (i32.const 65536) (i32.const 65) (i32.const 65536))
            (i32.store (i32.const 0) (i32.const 65536))
            (i32.store (i32.const 4) (i32.const 65536))
            (loop $forever
              (drop (call $fd_write (i32.const {{fd}}) (i32.const 0) (i32.const 1) (i32.const 8)))
              (br $forever))))
        """);

    public static WasmModuleSource Unreachable(string name) => WasmModuleSource.FromText(name, """
        (module
          (memory (export "memory") 1)
          (func (export "_start") unreachable))
        """);

    public static WasmModuleSource Exits(string name, int code) => WasmModuleSource.FromText(name, $$"""
        (module
          (import "{{Wasi}}" "proc_exit" (func $proc_exit (param i32)))
          (memory (export "memory") 1)
          (func (export "_start") (call $proc_exit (i32.const {{code}}))))
        """);

    /// <summary>A WAT string literal: printable ASCII as is, everything else as \hh bytes.</summary>
    static string Escape(string text)
    {
        var escaped = new StringBuilder();
        foreach (byte b in Encoding.UTF8.GetBytes(text))
        {
            escaped.Append(b is >= 0x20 and < 0x7F and not (byte)'"' and not (byte)'\\' ? ((char)b).ToString() : $"\\{b:x2}");
        }

        return escaped.ToString();
    }
}
