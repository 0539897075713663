using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Agents.Core.Browser;

/// <summary>
/// The only way out of a session's browser context: a forward HTTP proxy on loopback, one per session, that lets a
/// request through only when its origin is allowed for that session right now. It sees what the Playwright route
/// cannot: every hop of a redirect, WebSockets (tunnelled with CONNECT) and anything else the browser sends. Plain HTTP
/// is forwarded one request per connection (<c>Connection: close</c>); https and WebSockets are tunnelled byte for byte
/// after the CONNECT target is checked. Every byte in either direction is counted against the session's cap.
/// </summary>
sealed class EgressProxy : IAsyncDisposable
{
    const int MaxHeadBytes = 64 * 1024;
    static readonly TimeSpan HeadTimeout = TimeSpan.FromSeconds(30);
    static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    readonly TcpListener listener = new(IPAddress.Loopback, 0);
    readonly CancellationTokenSource stop = new();
    readonly Func<string, string?> refusalFor;
    readonly Action<string, string> refused;
    readonly Action<long> transferred;
    readonly Task acceptLoop;

    /// <param name="refusalFor">Null when a request to this origin may go out; otherwise why not.</param>
    /// <param name="refused">Called with the URL (or CONNECT target) and the reason, for the action's record.</param>
    /// <param name="transferred">Called with every chunk's size, both directions.</param>
    public EgressProxy(Func<string, string?> refusalFor, Action<string, string> refused, Action<long> transferred)
    {
        this.refusalFor = refusalFor;
        this.refused = refused;
        this.transferred = transferred;
        this.listener.Start();
        this.Port = ((IPEndPoint)this.listener.LocalEndpoint).Port;
        this.acceptLoop = Task.Run(this.AcceptLoopAsync);
    }

    public int Port { get; }

    public string Address => $"http://127.0.0.1:{this.Port}";

    public async ValueTask DisposeAsync()
    {
        await this.stop.CancelAsync().ConfigureAwait(false);
        this.listener.Stop();
        try
        {
            await this.acceptLoop.ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        this.stop.Dispose();
    }

    async Task AcceptLoopAsync()
    {
        while (!this.stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await this.listener.AcceptTcpClientAsync(this.stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(() => this.ServeAsync(client));
        }
    }

    async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                client.NoDelay = true;
                NetworkStream downstream = client.GetStream();
                (string? head, ReadOnlyMemory<byte> rest) = await ReadHeadAsync(downstream, this.stop.Token).ConfigureAwait(false);
                if (head is null)
                {
                    return;
                }

                string[] lines = head.Split("\r\n");
                string[] requestLine = lines[0].Split(' ');
                if (requestLine.Length != 3)
                {
                    await WriteStatusAsync(downstream, 400, "Bad Request", "malformed request line").ConfigureAwait(false);
                    return;
                }

                if (requestLine[0].Equals("CONNECT", StringComparison.OrdinalIgnoreCase))
                {
                    await this.TunnelAsync(downstream, requestLine[1], rest).ConfigureAwait(false);
                }
                else
                {
                    await this.ForwardAsync(downstream, requestLine, lines, rest).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The browser or the server hung up; nothing to report beyond what was counted.
            }
        }
    }

    async Task TunnelAsync(NetworkStream downstream, string authority, ReadOnlyMemory<byte> rest)
    {
        string? refusal = "not a host:port";
        foreach (string candidate in Origins.OfAuthority(authority))
        {
            refusal = this.refusalFor(candidate);
            if (refusal is null)
            {
                break;
            }
        }

        if (refusal is not null)
        {
            this.refused($"CONNECT {authority}", refusal);
            await WriteStatusAsync(downstream, 403, "Forbidden", refusal).ConfigureAwait(false);
            return;
        }

        Uri target = new($"http://{authority}");
        using var upstreamClient = new TcpClient();
        using (var connect = CancellationTokenSource.CreateLinkedTokenSource(this.stop.Token))
        {
            connect.CancelAfter(ConnectTimeout);
            await upstreamClient.ConnectAsync(target.DnsSafeHost, target.Port, connect.Token).ConfigureAwait(false);
        }

        NetworkStream upstream = upstreamClient.GetStream();
        byte[] established = Encoding.ASCII.GetBytes("HTTP/1.1 200 Connection Established\r\n\r\n");
        await downstream.WriteAsync(established, this.stop.Token).ConfigureAwait(false);
        if (!rest.IsEmpty)
        {
            await upstream.WriteAsync(rest, this.stop.Token).ConfigureAwait(false);
            this.transferred(rest.Length);
        }

        using var done = CancellationTokenSource.CreateLinkedTokenSource(this.stop.Token);
        Task up = this.PumpAsync(downstream, upstream, done.Token);
        Task down = this.PumpAsync(upstream, downstream, done.Token);
        await Task.WhenAny(up, down).ConfigureAwait(false);
        await done.CancelAsync().ConfigureAwait(false);
    }

    async Task ForwardAsync(NetworkStream downstream, string[] requestLine, string[] lines, ReadOnlyMemory<byte> rest)
    {
        string url = requestLine[1];
        if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) || Origins.Of(uri) is not { } origin || uri.Scheme != Uri.UriSchemeHttp)
        {
            this.refused(url, "only absolute http:// requests go through the proxy");
            await WriteStatusAsync(downstream, 400, "Bad Request", "not an absolute http URL").ConfigureAwait(false);
            return;
        }

        if (this.refusalFor(origin) is { } refusal)
        {
            this.refused($"{requestLine[0]} {url}", refusal);
            await WriteStatusAsync(downstream, 403, "Forbidden", refusal).ConfigureAwait(false);
            return;
        }

        var head = new StringBuilder();
        head.Append(requestLine[0]).Append(' ').Append(uri.PathAndQuery).Append(' ').Append(requestLine[2]).Append("\r\n");
        foreach (string line in lines.Skip(1))
        {
            if (line.Length == 0 || line.StartsWith("Proxy-", StringComparison.OrdinalIgnoreCase)
                || line.StartsWith("Connection:", StringComparison.OrdinalIgnoreCase) || line.StartsWith("Keep-Alive:", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            head.Append(line).Append("\r\n");
        }

        head.Append("Connection: close\r\n\r\n");
        using var upstreamClient = new TcpClient();
        using (var connect = CancellationTokenSource.CreateLinkedTokenSource(this.stop.Token))
        {
            connect.CancelAfter(ConnectTimeout);
            try
            {
                await upstreamClient.ConnectAsync(uri.DnsSafeHost, uri.Port, connect.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                await WriteStatusAsync(downstream, 502, "Bad Gateway", $"could not connect to {origin}").ConfigureAwait(false);
                return;
            }
        }

        NetworkStream upstream = upstreamClient.GetStream();
        byte[] headBytes = Encoding.ASCII.GetBytes(head.ToString());
        await upstream.WriteAsync(headBytes, this.stop.Token).ConfigureAwait(false);
        this.transferred(headBytes.Length);
        if (!rest.IsEmpty)
        {
            await upstream.WriteAsync(rest, this.stop.Token).ConfigureAwait(false);
            this.transferred(rest.Length);
        }

        // The request body (if any) keeps flowing up while the response comes down; the server closes after the response.
        using var done = CancellationTokenSource.CreateLinkedTokenSource(this.stop.Token);
        Task up = this.PumpAsync(downstream, upstream, done.Token);
        await this.PumpAsync(upstream, downstream, done.Token).ConfigureAwait(false);
        await done.CancelAsync().ConfigureAwait(false);
        try
        {
            await up.ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    async Task PumpAsync(Stream from, Stream to, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                int read = await from.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    return;
                }

                this.transferred(read);
                await to.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    /// <summary>Reads up to the blank line that ends the request head; returns the head and whatever came after it.</summary>
    static async Task<(string? Head, ReadOnlyMemory<byte> Rest)> ReadHeadAsync(NetworkStream stream, CancellationToken stop)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
        timeout.CancelAfter(HeadTimeout);
        byte[] buffer = new byte[MaxHeadBytes];
        int filled = 0;
        while (filled < buffer.Length)
        {
            int read = await stream.ReadAsync(buffer.AsMemory(filled), timeout.Token).ConfigureAwait(false);
            if (read == 0)
            {
                return (null, ReadOnlyMemory<byte>.Empty);
            }

            int searchFrom = Math.Max(0, filled - 3);
            filled += read;
            int end = buffer.AsSpan(searchFrom, filled - searchFrom).IndexOf("\r\n\r\n"u8);
            if (end >= 0)
            {
                end += searchFrom;
                return (Encoding.ASCII.GetString(buffer, 0, end), buffer.AsMemory(end + 4, filled - end - 4));
            }
        }

        return (null, ReadOnlyMemory<byte>.Empty);
    }

    static async Task WriteStatusAsync(NetworkStream stream, int status, string reason, string detail)
    {
        string body = $"<!doctype html><title>{status} {reason}</title><h1>Refused by the browser broker</h1><p>{WebUtility.HtmlEncode(detail)}</p>";
        byte[] bytes = Encoding.UTF8.GetBytes(body);
        string head = $"HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {bytes.Length}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head)).ConfigureAwait(false);
        await stream.WriteAsync(bytes).ConfigureAwait(false);
    }
}
