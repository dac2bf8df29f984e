using System.Text;

namespace CtBone.Pacs.Tests;

public class MultipartRelatedReaderTests
{
    private const string Boundary = "b1a2-c3";

    [Fact]
    public async Task ReadNextPartAsync_WhenTwoParts_ReturnsEachContentExactly()
    {
        byte[] first = [.. Enumerable.Range(0, 70_000).Select(i => (byte)(i * 7))];
        var second = MultipartBody.Ascii("second");
        var reader = Reader(MultipartBody.Of(Boundary, first, second));

        var parts = await ReadAllAsync(reader);

        Assert.Equal(2, parts.Count);
        Assert.Equal(first, parts[0].Content);
        Assert.Equal(second, parts[1].Content);
        Assert.Equal("application/dicom", parts[0].Part.ContentType);
        Assert.Equal([1, 2], parts.Select(p => p.Part.Number));
        Assert.Equal(first.Length + second.Length, reader.ContentBytes);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4096)]
    public async Task ReadNextPartAsync_WhenBodyArrivesInSmallReads_ReturnsTheSameParts(int bytesPerRead)
    {
        // Content that holds a CRLF, dashes and the boundary without its leading CRLF: none of it is a delimiter.
        var tricky = MultipartBody.Ascii($"a\r\nb\r\n-{Boundary}\r\n--{Boundary[..3]}\r\n-\r\n");
        var body = MultipartBody.Of(Boundary, tricky, MultipartBody.Ascii("z"));
        var reader = new MultipartRelatedReader(new TricklingStream(body, bytesPerRead), Boundary, 1 << 20);

        var parts = await ReadAllAsync(reader);

        Assert.Equal([tricky, MultipartBody.Ascii("z")], parts.Select(p => p.Content));
    }

    [Fact]
    public async Task CopyContentToAsync_WhenContentEndsWithCrlf_KeepsItAndLeavesTheDelimiterCrlfOut()
    {
        var content = MultipartBody.Ascii("line\r\n\r\n");

        var parts = await ReadAllAsync(Reader(MultipartBody.Of(Boundary, content)));

        Assert.Equal(content, Assert.Single(parts).Content);
    }

    [Fact]
    public async Task ReadNextPartAsync_WhenPreambleEpilogueAndPadding_SkipsThem()
    {
        var body = MultipartBody.Ascii($"preamble text\r\n--{Boundary}  \t\r\nContent-Type: application/dicom\r\nX-Folded: a\r\n b\r\n\r\nbody\r\n--{Boundary}--\r\nepilogue");

        var part = Assert.Single(await ReadAllAsync(Reader(body)));

        Assert.Equal("body", Encoding.ASCII.GetString(part.Content));
        Assert.Equal("a b", part.Part.Headers["x-folded"]);
    }

    [Fact]
    public async Task ReadNextPartAsync_WhenLinesEndInBareLf_ReadsHeadersAndParts()
    {
        var body = MultipartBody.Ascii($"--{Boundary}\nContent-Type: application/dicom\n\nbody\r\n--{Boundary}--");

        var part = Assert.Single(await ReadAllAsync(Reader(body)));

        Assert.Equal("body", Encoding.ASCII.GetString(part.Content));
    }

    [Fact]
    public async Task ReadNextPartAsync_WhenContentNotCopied_SkipsToTheNextPart()
    {
        var reader = Reader(MultipartBody.Of(Boundary, MultipartBody.Ascii("skipped"), MultipartBody.Ascii("kept")));

        Assert.NotNull(await reader.ReadNextPartAsync(CancellationToken.None));
        Assert.NotNull(await reader.ReadNextPartAsync(CancellationToken.None));
        using var second = new MemoryStream();
        await reader.CopyContentToAsync(second, CancellationToken.None);

        Assert.Equal("kept", Encoding.ASCII.GetString(second.ToArray()));
        Assert.Null(await reader.ReadNextPartAsync(CancellationToken.None));
    }

    [Fact]
    public async Task CopyContentToAsync_WhenBodyIsCutInsideAPart_ThrowsTransient()
    {
        var whole = MultipartBody.Of(Boundary, MultipartBody.Ascii("complete"), new byte[5000]);
        var cut = whole[..(whole.Length - 2000)];

        var failure = await Assert.ThrowsAsync<PacsException>(() => ReadAllAsync(Reader(cut)));

        Assert.True(failure.IsTransient);
        Assert.Contains("part 2", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadNextPartAsync_WhenClosingDelimiterIsMissing_ThrowsTransient()
    {
        // Every part complete, but the body stops after the last part's content: the "--" that closes it never came.
        var body = MultipartBody.Ascii($"--{Boundary}\r\n\r\none\r\n--{Boundary}\r\n\r\ntwo");

        var failure = await Assert.ThrowsAsync<PacsException>(() => ReadAllAsync(Reader(body)));

        Assert.True(failure.IsTransient);
        Assert.Contains("cut off", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadNextPartAsync_WhenBodyHasNoDelimiterAtAll_ThrowsPermanent()
    {
        var failure = await Assert.ThrowsAsync<PacsException>(() => ReadAllAsync(Reader(new byte[200_000])));

        Assert.False(failure.IsTransient);
        Assert.Contains("no boundary delimiter", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CopyContentToAsync_WhenAPartGoesOverTheLimit_ThrowsPermanentBeforeWritingPastIt()
    {
        var body = MultipartBody.Of(Boundary, new byte[600], new byte[600]);
        var reader = new MultipartRelatedReader(new MemoryStream(body), Boundary, maxContentBytes: 1000);
        using var written = new MemoryStream();

        Assert.NotNull(await reader.ReadNextPartAsync(CancellationToken.None));
        await reader.CopyContentToAsync(written, CancellationToken.None);
        Assert.NotNull(await reader.ReadNextPartAsync(CancellationToken.None));
        var failure = await Assert.ThrowsAsync<PacsException>(() => reader.CopyContentToAsync(written, CancellationToken.None));

        Assert.False(failure.IsTransient);
        Assert.Contains("part 2", failure.Message, StringComparison.Ordinal);
        Assert.True(written.Length <= 1000);
    }

    [Fact]
    public async Task ReadNextPartAsync_WhenDeclaredContentLengthIsOverTheLimit_ThrowsBeforeReadingIt()
    {
        var body = MultipartBody.Ascii($"--{Boundary}\r\nContent-Length: 5000000000\r\n\r\nx\r\n--{Boundary}--");

        var failure = await Assert.ThrowsAsync<PacsException>(() => Reader(body).ReadNextPartAsync(CancellationToken.None));

        Assert.False(failure.IsTransient);
    }

    [Fact]
    public async Task ReadNextPartAsync_WhenDelimiterIsFollowedByJunk_ThrowsPermanent()
    {
        var body = MultipartBody.Ascii($"--{Boundary}\r\n\r\none\r\n--{Boundary}junk\r\n\r\ntwo\r\n--{Boundary}--");

        var failure = await Assert.ThrowsAsync<PacsException>(() => ReadAllAsync(Reader(body)));

        Assert.False(failure.IsTransient);
    }

    [Fact]
    public async Task ReadNextPartAsync_WhenAHeaderLineHasNoName_ThrowsPermanent()
    {
        var body = MultipartBody.Ascii($"--{Boundary}\r\nnot a header\r\n\r\none\r\n--{Boundary}--");

        var failure = await Assert.ThrowsAsync<PacsException>(() => ReadAllAsync(Reader(body)));

        Assert.False(failure.IsTransient);
    }

    [Theory]
    [InlineData("multipart/related; type=\"application/dicom\"; boundary=abc-123", "abc-123")]
    [InlineData("multipart/related; type=\"application/dicom\"; boundary=\"abc 123:=\"", "abc 123:=")]
    [InlineData("Multipart/Related; BOUNDARY=x", "x")]
    public void BoundaryOf_WhenQuotedOrNot_ReturnsTheBoundary(string contentType, string expected)
    {
        Assert.Equal(expected, MultipartRelatedReader.BoundaryOf(contentType));
    }

    [Theory]
    [InlineData("multipart/related; type=\"application/dicom\"")]
    [InlineData("multipart/related; boundary=\"\"")]
    [InlineData("application/dicom")]
    [InlineData(null)]
    public void BoundaryOf_WhenNoUsableBoundary_ThrowsPermanent(string? contentType)
    {
        var failure = Assert.Throws<PacsException>(() => MultipartRelatedReader.BoundaryOf(contentType));

        Assert.False(failure.IsTransient);
    }

    private static MultipartRelatedReader Reader(byte[] body) => new(new MemoryStream(body), Boundary, 1 << 20);

    private static async Task<List<(MultipartPart Part, byte[] Content)>> ReadAllAsync(MultipartRelatedReader reader)
    {
        var parts = new List<(MultipartPart, byte[])>();
        while (await reader.ReadNextPartAsync(CancellationToken.None) is { } part)
        {
            using var content = new MemoryStream();
            await reader.CopyContentToAsync(content, CancellationToken.None);
            parts.Add((part, content.ToArray()));
        }

        return parts;
    }
}
