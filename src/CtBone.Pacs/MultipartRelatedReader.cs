using System.Globalization;
using System.Net.Http.Headers;
using System.Text;

namespace CtBone.Pacs;

/// <summary>One part's headers; its content is read with <see cref="MultipartRelatedReader.CopyContentToAsync"/>.</summary>
internal sealed record MultipartPart(int Number, IReadOnlyDictionary<string, string> Headers)
{
    public string? ContentType => Headers.GetValueOrDefault("Content-Type");
}

/// <summary>
/// Reads a multipart body (RFC 2046 section 5.1, as WADO-RS sends it) part by part from a stream, holding at most one
/// buffer of it in memory, so that a whole study never has to fit in memory. Content over the size limit, a missing
/// boundary or a broken delimiter or header line are permanent faults; a body that ends before its closing delimiter is
/// transient, because over a connection closed by the server (Orthanc's WADO-RS) it looks the same as a dropped one.
/// </summary>
internal sealed class MultipartRelatedReader
{
    private const int BufferSize = 1 << 16;
    private const int MaxHeaderBytes = 16 << 10;
    private const int MaxPreambleBytes = 64 << 10;
    // RFC 2046 allows 70; a little slack for servers that go past it.
    private const int MaxBoundaryLength = 200;

    private readonly Stream _body;
    private readonly byte[] _delimiter;
    private readonly long _maxContentBytes;
    private readonly byte[] _buffer = new byte[BufferSize];
    private int _start;
    private int _end;
    private long _contentBytes;
    private int _partNumber;
    private State _state = State.BeforeFirstPart;

    public MultipartRelatedReader(Stream body, string boundary, long maxContentBytes)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentException.ThrowIfNullOrEmpty(boundary);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxContentBytes);
        _body = body;
        _maxContentBytes = maxContentBytes;
        _delimiter = Encoding.ASCII.GetBytes("\r\n--" + boundary);
        // The first delimiter may stand at the very start of the body; a CRLF in front of the body lets one search find it.
        _buffer[0] = (byte)'\r';
        _buffer[1] = (byte)'\n';
        _end = 2;
    }

    private enum State
    {
        BeforeFirstPart,
        BeforeHeaders,
        InContent,
        Done,
    }

    /// <summary>The content bytes of all parts read so far.</summary>
    public long ContentBytes => _contentBytes;

    /// <summary>The boundary parameter of a multipart Content-Type, quoted or not.</summary>
    public static string BoundaryOf(string? contentType)
    {
        if (contentType is null || !MediaTypeHeaderValue.TryParse(contentType, out var mediaType)
            || mediaType.MediaType?.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase) != true)
        {
            throw Malformed($"the answer is not multipart (Content-Type: {contentType ?? "none"})");
        }

        var boundary = mediaType.Parameters.FirstOrDefault(p => string.Equals(p.Name, "boundary", StringComparison.OrdinalIgnoreCase))?.Value?.Trim('"');
        if (string.IsNullOrEmpty(boundary) || boundary.Length > MaxBoundaryLength)
        {
            throw Malformed($"the multipart Content-Type has no usable boundary parameter ({contentType})");
        }

        return boundary;
    }

    /// <summary>The next part's headers, or null after the closing delimiter. Content not yet copied is skipped.</summary>
    public async Task<MultipartPart?> ReadNextPartAsync(CancellationToken cancellationToken)
    {
        if (_state == State.InContent)
        {
            await CopyContentToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
        }

        if (_state == State.BeforeFirstPart)
        {
            await SkipPreambleAsync(cancellationToken).ConfigureAwait(false);
        }

        if (_state == State.Done)
        {
            return null;
        }

        _partNumber++;
        var headers = await ReadHeadersAsync(cancellationToken).ConfigureAwait(false);
        if (headers.TryGetValue("Content-Length", out var declared) && long.TryParse(declared, NumberStyles.None, CultureInfo.InvariantCulture, out var length) && _contentBytes + length > _maxContentBytes)
        {
            throw TooLarge();
        }

        _state = State.InContent;
        return new MultipartPart(_partNumber, headers);
    }

    /// <summary>Copies the current part's content to <paramref name="destination"/>; returns its length.</summary>
    public async Task<long> CopyContentToAsync(Stream destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (_state != State.InContent)
        {
            throw new InvalidOperationException("no part is open: call ReadNextPartAsync first");
        }

        long length = 0;
        while (true)
        {
            var found = IndexOfDelimiter();
            // Bytes that could still be the start of a delimiter stay in the buffer until more arrives.
            var safe = found >= 0 ? found : Math.Max(0, _end - _start - (_delimiter.Length - 1));
            if (safe > 0)
            {
                _contentBytes += safe;
                if (_contentBytes > _maxContentBytes)
                {
                    throw TooLarge();
                }

                await destination.WriteAsync(_buffer.AsMemory(_start, safe), cancellationToken).ConfigureAwait(false);
                _start += safe;
                length += safe;
            }

            if (found >= 0)
            {
                _start += _delimiter.Length;
                await ReadDelimiterEndAsync(cancellationToken).ConfigureAwait(false);
                return length;
            }

            if (!await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                throw Truncated($"part {_partNumber} ends before a delimiter");
            }
        }
    }

    private async Task SkipPreambleAsync(CancellationToken cancellationToken)
    {
        long skipped = 0;
        while (true)
        {
            var found = IndexOfDelimiter();
            if (found >= 0)
            {
                _start += found + _delimiter.Length;
                await ReadDelimiterEndAsync(cancellationToken).ConfigureAwait(false);
                return;
            }

            var discard = Math.Max(0, _end - _start - (_delimiter.Length - 1));
            _start += discard;
            skipped += discard;
            if (skipped > MaxPreambleBytes)
            {
                throw Malformed("no boundary delimiter in the first 64 KiB of the body");
            }

            if (!await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                throw Truncated("the body ends before its first boundary delimiter");
            }
        }
    }

    /// <summary>After "--boundary": "--" closes the body; otherwise optional padding and a line break open the next part.</summary>
    private async Task ReadDelimiterEndAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var available = _end - _start;
            if (available >= 2 && _buffer[_start] == '-' && _buffer[_start + 1] == '-')
            {
                // The epilogue after the closing delimiter carries nothing; it is not read.
                _state = State.Done;
                return;
            }

            var position = _start;
            while (position < _end && _buffer[position] is (byte)' ' or (byte)'\t')
            {
                position++;
            }

            if (position < _end && _buffer[position] == '\n')
            {
                _start = position + 1;
                _state = State.BeforeHeaders;
                return;
            }

            if (position + 1 < _end && _buffer[position] == '\r' && _buffer[position + 1] == '\n')
            {
                _start = position + 2;
                _state = State.BeforeHeaders;
                return;
            }

            var waiting = position == _end || (position + 1 == _end && _buffer[position] == '\r') || (available < 2 && _buffer[_start] == '-');
            if (!waiting)
            {
                throw Malformed($"a boundary delimiter after part {_partNumber} is followed by neither \"--\" nor a line break");
            }

            if (!await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                throw Truncated($"the body ends inside the delimiter after part {_partNumber}");
            }
        }
    }

    private async Task<Dictionary<string, string>> ReadHeadersAsync(CancellationToken cancellationToken)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string? last = null;
        var headerBytes = 0;
        while (true)
        {
            var lineEnd = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (lineEnd < 0)
            {
                if (headerBytes + (_end - _start) > MaxHeaderBytes)
                {
                    throw Malformed($"the headers of part {_partNumber} are longer than {MaxHeaderBytes} bytes");
                }

                if (!await FillAsync(cancellationToken).ConfigureAwait(false))
                {
                    throw Truncated($"the body ends inside the headers of part {_partNumber}");
                }

                continue;
            }

            var length = lineEnd - _start;
            headerBytes += length + 1;
            if (headerBytes > MaxHeaderBytes)
            {
                throw Malformed($"the headers of part {_partNumber} are longer than {MaxHeaderBytes} bytes");
            }

            var line = Encoding.Latin1.GetString(_buffer, _start, length).TrimEnd('\r');
            _start = lineEnd + 1;
            if (line.Length == 0)
            {
                return headers;
            }

            if (line[0] is ' ' or '\t' && last is not null)
            {
                headers[last] += " " + line.Trim();
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw Malformed($"part {_partNumber} has a header line without a name");
            }

            last = line[..colon].Trim();
            headers[last] = line[(colon + 1)..].Trim();
        }
    }

    private int IndexOfDelimiter() => _buffer.AsSpan(_start, _end - _start).IndexOf(_delimiter);

    /// <summary>Moves what is left to the front of the buffer and reads more; false at the end of the body.</summary>
    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            // Only header lines and delimiters are held back whole, and both are far shorter than the buffer.
            throw Malformed($"a header line or delimiter near part {_partNumber} is longer than {BufferSize} bytes");
        }

        var read = await _body.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
        _end += read;
        return read > 0;
    }

    private PacsException TooLarge() =>
        Malformed($"part {_partNumber} takes the body past the limit of {_maxContentBytes} bytes");

    private static PacsException Malformed(string reason) => new($"multipart body: {reason}", isTransient: false);

    private static PacsException Truncated(string reason) => new($"multipart body: {reason} (cut off)", isTransient: true);
}
