using System.Security.Cryptography;
using System.Text;

namespace CtBone.Fhir;

/// <summary>
/// A UUID named by a string (RFC 9562 version 8: the first 128 bits of its SHA-256, with the version and variant bits
/// set), so that the same analysis always gives its entries the same urn:uuid and a receiver can recognise a repeat.
/// </summary>
internal static class NameBasedUuid
{
    public static Guid Create(string name)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(name), hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash[..16], bigEndian: true);
    }
}
