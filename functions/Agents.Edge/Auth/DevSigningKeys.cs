using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace Agents.Edge.Auth;

/// <summary>
/// The dev issuer's RSA signing keys, kept in one file on this machine (under the git-ignored <c>.local/</c>): created
/// on first use by whichever process needs it first (the host serving the JWKS or the CLI minting a token). The first
/// key signs; older ones stay published after a rotation so tokens they signed still verify.
/// </summary>
public sealed class DevSigningKeys
{
    /// <summary>Keys kept after a rotation: the new one and the one before it.</summary>
    const int Kept = 2;

    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    DevSigningKeys(IReadOnlyList<RsaSecurityKey> keys) => this.Keys = keys;

    public IReadOnlyList<RsaSecurityKey> Keys { get; }

    public RsaSecurityKey Current => this.Keys[0];

    public static DevSigningKeys LoadOrCreate(string path)
    {
        if (!File.Exists(path))
        {
            try
            {
                Write(path, [NewKey()], replace: false);
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another process created it first: use theirs.
            }
        }

        return Load(path);
    }

    /// <summary>Makes a new key the signing key, keeping the previous one published.</summary>
    public static DevSigningKeys Rotate(string path)
    {
        List<StoredKey> keys = [NewKey(), .. Read(path).Take(Kept - 1)];
        Write(path, keys, replace: true);
        return Load(path);
    }

    /// <summary>The public keys as a JWKS document.</summary>
    public string PublicJwks() =>
        JsonSerializer.Serialize(new { keys = this.Keys.Select(PublicJwk) }, JsonSerializerOptions.Web);

    static object PublicJwk(RsaSecurityKey key)
    {
        RSAParameters p = key.Rsa.ExportParameters(includePrivateParameters: false);
        return new { kty = "RSA", use = "sig", alg = SecurityAlgorithms.RsaSha256, kid = key.KeyId, n = Base64UrlEncoder.Encode(p.Modulus), e = Base64UrlEncoder.Encode(p.Exponent) };
    }

    static DevSigningKeys Load(string path) =>
        new(Read(path).Select(k =>
        {
            var rsa = RSA.Create();
            rsa.ImportFromPem(k.PrivateKeyPem);
            return new RsaSecurityKey(rsa) { KeyId = k.Kid };
        }).ToList());

    static List<StoredKey> Read(string path) =>
        JsonSerializer.Deserialize<KeyFile>(File.ReadAllText(path), Json)?.Keys is { Count: > 0 } keys
            ? keys
            : throw new InvalidOperationException($"{path} holds no signing key; delete it to have a new one generated.");

    static StoredKey NewKey()
    {
        using var rsa = RSA.Create(2048);
        var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(rsa.ExportParameters(includePrivateParameters: false)));
        return new StoredKey(Base64UrlEncoder.Encode(jwk.ComputeJwkThumbprint()), DateTimeOffset.UtcNow, rsa.ExportPkcs8PrivateKeyPem());
    }

    static void Write(string path, List<StoredKey> keys, bool replace)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        string temporary = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temporary, options))
        {
            JsonSerializer.Serialize(stream, new KeyFile(keys), Json);
        }

        try
        {
            File.Move(temporary, path, overwrite: replace);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    sealed record StoredKey(string Kid, DateTimeOffset CreatedAt, string PrivateKeyPem);

    sealed record KeyFile(List<StoredKey> Keys);
}
