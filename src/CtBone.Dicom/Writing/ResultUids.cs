using System.Numerics;
using System.Security.Cryptography;
using System.Text;

namespace CtBone.Dicom.Writing;

/// <summary>
/// UIDs of the objects CtBone sends back, derived from a name: "2.25." and a name-based UUID (RFC 9562 version 8 over
/// SHA-256) as a decimal integer (PS3.5 B.2). The same analysis result therefore always gets the same series and
/// instance UIDs: writing it again, or sending it again after a retry, gives the PACS the same instances rather than a
/// second copy; a different result (other measurements, another series or algorithm version) gets new ones.
/// </summary>
public static class ResultUids
{
    public static string FromName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(name));
        var uuid = hash.AsSpan(0, 16).ToArray();
        uuid[6] = (byte)((uuid[6] & 0x0F) | 0x80);
        uuid[8] = (byte)((uuid[8] & 0x3F) | 0x80);
        return "2.25." + new BigInteger(uuid, isUnsigned: true, isBigEndian: true).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
