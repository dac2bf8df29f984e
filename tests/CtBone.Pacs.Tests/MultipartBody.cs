using System.Text;

namespace CtBone.Pacs.Tests;

/// <summary>Multipart bodies built by hand, byte by byte, for the reader's tests.</summary>
internal static class MultipartBody
{
    public static byte[] Of(string boundary, params byte[][] contents)
    {
        var body = new MemoryStream();
        foreach (var content in contents)
        {
            Write(body, $"--{boundary}\r\nContent-Type: application/dicom\r\n\r\n");
            body.Write(content);
            Write(body, "\r\n");
        }

        Write(body, $"--{boundary}--\r\n");
        return body.ToArray();
    }

    public static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    /// <summary>A minimal DICOM Part 10 file: preamble, "DICM", MediaStorageSOPInstanceUID (0002,0003), then <paramref name="payloadBytes"/> bytes.</summary>
    public static byte[] Part10(string sopInstanceUid, int payloadBytes = 100)
    {
        var uid = Encoding.ASCII.GetBytes(sopInstanceUid.Length % 2 == 0 ? sopInstanceUid : sopInstanceUid + "\0");
        var file = new MemoryStream();
        file.Write(new byte[128]);
        Write(file, "DICM");
        file.Write([0x02, 0x00, 0x03, 0x00, (byte)'U', (byte)'I', (byte)uid.Length, 0x00]);
        file.Write(uid);
        file.Write(Enumerable.Range(0, payloadBytes).Select(i => (byte)i).ToArray());
        return file.ToArray();
    }

    private static void Write(Stream stream, string text) => stream.Write(Encoding.ASCII.GetBytes(text));
}

/// <summary>A stream that hands out at most a few bytes per read, as a slow network does, so that delimiters straddle reads.</summary>
internal sealed class TricklingStream(byte[] bytes, int bytesPerRead) : Stream
{
    private readonly MemoryStream _inner = new(bytes);

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, bytesPerRead));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
