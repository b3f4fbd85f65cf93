namespace HttpPlaintext;

/// <summary>What <see cref="HttpRequestParser.TryParse"/> found.</summary>
public enum ParseStatus
{
    /// <summary>The request head is not complete yet: read more (the limits are not exceeded).</summary>
    Incomplete,

    /// <summary>A complete, valid request head; see <see cref="HttpRequestHead"/>.</summary>
    Complete,

    /// <summary>Malformed or over a limit: answer 400 and close. See <see cref="ParseError"/>.</summary>
    Error,
}

/// <summary>Why a request was rejected.</summary>
public enum ParseError
{
    /// <summary>No error.</summary>
    None,

    /// <summary>The request line is not <c>METHOD SP /target SP HTTP/1.x CRLF</c>.</summary>
    BadRequestLine,

    /// <summary>The request line is longer than <see cref="HttpRequestParser.MaxRequestLine"/>.</summary>
    RequestLineTooLong,

    /// <summary>The version is not HTTP/1.0 or HTTP/1.1.</summary>
    UnsupportedVersion,

    /// <summary>A header line is malformed (no colon, whitespace before it, bad characters, bare LF...).</summary>
    BadHeader,

    /// <summary>More than <see cref="HttpRequestParser.MaxHeaders"/> headers.</summary>
    TooManyHeaders,

    /// <summary>The header section is longer than <see cref="HttpRequestParser.MaxHeaderBytes"/>.</summary>
    HeadersTooLarge,

    /// <summary>Content-Length is not a plain decimal number, or appears twice.</summary>
    BadContentLength,

    /// <summary>Content-Length is over <see cref="HttpRequestParser.MaxContentLength"/>.</summary>
    ContentTooLarge,

    /// <summary>A body (Content-Length or Transfer-Encoding) on a method that takes none (GET, HEAD).</summary>
    BodyNotAllowed,

    /// <summary>Transfer-Encoding (chunked bodies) is not supported by this server.</summary>
    TransferEncodingNotSupported,

    /// <summary>An HTTP/1.1 request without exactly one Host header.</summary>
    MissingHost,
}

/// <summary>The request methods this server tells apart.</summary>
public enum HttpMethod : byte
{
    /// <summary>Any other (valid token) method.</summary>
    Other,

    /// <summary>GET.</summary>
    Get,

    /// <summary>HEAD.</summary>
    Head,

    /// <summary>POST.</summary>
    Post,
}

/// <summary>A parsed request head. Offsets are relative to the span given to the parser; nothing is allocated.</summary>
public readonly struct HttpRequestHead
{
    internal HttpRequestHead(HttpMethod method, int pathStart, int pathLength, bool http11, bool keepAlive, long contentLength, int headerCount, int length)
    {
        Method = method;
        PathStart = pathStart;
        PathLength = pathLength;
        IsHttp11 = http11;
        KeepAlive = keepAlive;
        ContentLength = contentLength;
        HeaderCount = headerCount;
        Length = length;
    }

    /// <summary>The method.</summary>
    public HttpMethod Method { get; }

    /// <summary>Where the request target starts.</summary>
    public int PathStart { get; }

    /// <summary>The request target's length (path and query).</summary>
    public int PathLength { get; }

    /// <summary>HTTP/1.1 (else HTTP/1.0).</summary>
    public bool IsHttp11 { get; }

    /// <summary>Whether the connection stays open after the response (HTTP/1.1 unless <c>Connection: close</c>;
    /// HTTP/1.0 only with <c>Connection: keep-alive</c>).</summary>
    public bool KeepAlive { get; }

    /// <summary>Body bytes that follow the head (0 when there is no body).</summary>
    public long ContentLength { get; }

    /// <summary>Number of header fields.</summary>
    public int HeaderCount { get; }

    /// <summary>Bytes of the head, up to and including the empty line; the body (if any) starts here.</summary>
    public int Length { get; }

    /// <summary>The request target inside <paramref name="data"/> (the span that was parsed).</summary>
    public ReadOnlySpan<byte> Path(ReadOnlySpan<byte> data) => data.Slice(PathStart, PathLength);
}

/// <summary>
/// A strict, allocation-free HTTP/1.1 request-head parser (RFC 9112) with limits: request line at most 8 KiB,
/// at most 64 headers and 16 KiB of header section, Content-Length at most 1 MiB and only where a body is allowed,
/// no Transfer-Encoding, CRLF line endings only, origin-form targets only, Host required for HTTP/1.1.
/// </summary>
public static class HttpRequestParser
{
    /// <summary>Longest request line, CRLF included.</summary>
    public const int MaxRequestLine = 8 * 1024;

    /// <summary>Most header fields.</summary>
    public const int MaxHeaders = 64;

    /// <summary>Longest header section (after the request line), final CRLF included.</summary>
    public const int MaxHeaderBytes = 16 * 1024;

    /// <summary>Largest Content-Length accepted.</summary>
    public const long MaxContentLength = 1024 * 1024;

    /// <summary>The most bytes a valid request head can take: a buffer this big always holds one.</summary>
    public const int MaxHeadLength = MaxRequestLine + MaxHeaderBytes;

    private const int MaxMethodLength = 16;

    /// <summary>Parses one request head at the start of <paramref name="data"/>.</summary>
    public static ParseStatus TryParse(ReadOnlySpan<byte> data, out HttpRequestHead head, out ParseError error)
    {
        head = default;
        error = ParseError.None;

        // ---- request line
        int lineEnd = data.Slice(0, Math.Min(data.Length, MaxRequestLine)).IndexOf((byte)'\n');
        if (lineEnd < 0)
            return data.Length >= MaxRequestLine ? Fail(ParseError.RequestLineTooLong, out error) : ParseStatus.Incomplete;
        if (lineEnd == 0 || data[lineEnd - 1] != '\r')
            return Fail(ParseError.BadRequestLine, out error);
        ReadOnlySpan<byte> line = data.Slice(0, lineEnd - 1);

        int sp1 = line.IndexOf((byte)' ');
        if (sp1 <= 0 || sp1 > MaxMethodLength || !IsToken(line.Slice(0, sp1)))
            return Fail(ParseError.BadRequestLine, out error);
        HttpMethod method = ParseMethod(line.Slice(0, sp1));
        ReadOnlySpan<byte> rest = line.Slice(sp1 + 1);
        int sp2 = rest.IndexOf((byte)' ');
        if (sp2 <= 0)
            return Fail(ParseError.BadRequestLine, out error);
        ReadOnlySpan<byte> target = rest.Slice(0, sp2);
        if (target[0] != '/' || !IsVisible(target))
            return Fail(ParseError.BadRequestLine, out error);
        ReadOnlySpan<byte> version = rest.Slice(sp2 + 1);
        bool http11;
        if (version.SequenceEqual("HTTP/1.1"u8))
            http11 = true;
        else if (version.SequenceEqual("HTTP/1.0"u8))
            http11 = false;
        else if (version.Length == 8 && version.StartsWith("HTTP/"u8) && IsDigit(version[5]) && version[6] == '.' && IsDigit(version[7]))
            return Fail(ParseError.UnsupportedVersion, out error);
        else
            return Fail(ParseError.BadRequestLine, out error);
        int pathStart = sp1 + 1;

        // ---- headers
        int pos = lineEnd + 1;
        int headersStart = pos;
        int headerCount = 0, hostCount = 0;
        long contentLength = -1;
        bool close = false, keepAliveToken = false, transferEncoding = false;
        while (true)
        {
            ReadOnlySpan<byte> remaining = data.Slice(pos);
            int budget = MaxHeaderBytes - (pos - headersStart);
            int nl = remaining.Slice(0, Math.Min(remaining.Length, budget)).IndexOf((byte)'\n');
            if (nl < 0)
                return remaining.Length >= budget ? Fail(ParseError.HeadersTooLarge, out error) : ParseStatus.Incomplete;
            if (nl == 0 || remaining[nl - 1] != '\r')
                return Fail(ParseError.BadHeader, out error);
            ReadOnlySpan<byte> field = remaining.Slice(0, nl - 1);
            pos += nl + 1;
            if (field.IsEmpty)
                break; // the empty line: end of the head
            if (++headerCount > MaxHeaders)
                return Fail(ParseError.TooManyHeaders, out error);
            int colon = field.IndexOf((byte)':');
            if (colon <= 0 || !IsToken(field.Slice(0, colon)))
                return Fail(ParseError.BadHeader, out error); // also rejects obs-fold and whitespace before the colon
            ReadOnlySpan<byte> name = field.Slice(0, colon);
            ReadOnlySpan<byte> value = TrimOws(field.Slice(colon + 1));
            if (!IsFieldValue(value))
                return Fail(ParseError.BadHeader, out error);

            if (EqualsIgnoreCase(name, "content-length"u8))
            {
                if (contentLength >= 0 || !TryParseLength(value, out contentLength))
                    return Fail(ParseError.BadContentLength, out error);
            }
            else if (EqualsIgnoreCase(name, "transfer-encoding"u8))
            {
                transferEncoding = true;
            }
            else if (EqualsIgnoreCase(name, "host"u8))
            {
                hostCount++;
            }
            else if (EqualsIgnoreCase(name, "connection"u8))
            {
                close |= ContainsToken(value, "close"u8);
                keepAliveToken |= ContainsToken(value, "keep-alive"u8);
            }
        }

        if (http11 && hostCount != 1)
            return Fail(ParseError.MissingHost, out error);
        bool bodyless = method is HttpMethod.Get or HttpMethod.Head;
        if (transferEncoding)
            return Fail(bodyless ? ParseError.BodyNotAllowed : ParseError.TransferEncodingNotSupported, out error);
        if (contentLength > 0 && bodyless)
            return Fail(ParseError.BodyNotAllowed, out error);
        if (contentLength > MaxContentLength)
            return Fail(ParseError.ContentTooLarge, out error);

        bool keepAlive = http11 ? !close : keepAliveToken && !close;
        head = new HttpRequestHead(method, pathStart, sp2, http11, keepAlive, Math.Max(0, contentLength), headerCount, pos);
        return ParseStatus.Complete;
    }

    private static ParseStatus Fail(ParseError reason, out ParseError error)
    {
        error = reason;
        return ParseStatus.Error;
    }

    private static HttpMethod ParseMethod(ReadOnlySpan<byte> m)
        => m.SequenceEqual("GET"u8) ? HttpMethod.Get
         : m.SequenceEqual("POST"u8) ? HttpMethod.Post
         : m.SequenceEqual("HEAD"u8) ? HttpMethod.Head
         : HttpMethod.Other;

    private static bool IsDigit(byte b) => (uint)(b - '0') <= 9;

    /// <summary>tchar (RFC 9110 5.6.2).</summary>
    private static bool IsTokenChar(byte b)
        => (uint)((b | 0x20) - 'a') <= 'z' - 'a' || IsDigit(b) || b switch
        {
            (byte)'!' or (byte)'#' or (byte)'$' or (byte)'%' or (byte)'&' or (byte)'\'' or (byte)'*' or (byte)'+'
                or (byte)'-' or (byte)'.' or (byte)'^' or (byte)'_' or (byte)'`' or (byte)'|' or (byte)'~' => true,
            _ => false,
        };

    private static bool IsToken(ReadOnlySpan<byte> s)
    {
        if (s.IsEmpty)
            return false;
        foreach (byte b in s)
        {
            if (!IsTokenChar(b))
                return false;
        }
        return true;
    }

    /// <summary>Visible ASCII, no spaces or controls (a request target).</summary>
    private static bool IsVisible(ReadOnlySpan<byte> s) => !s.ContainsAnyExceptInRange((byte)0x21, (byte)0x7E);

    /// <summary>field-value: VCHAR, obs-text, SP and HTAB; no other control characters (no NUL, CR or LF).</summary>
    private static bool IsFieldValue(ReadOnlySpan<byte> s)
    {
        foreach (byte b in s)
        {
            if (b < 0x20 && b != '\t' || b == 0x7F)
                return false;
        }
        return true;
    }

    private static ReadOnlySpan<byte> TrimOws(ReadOnlySpan<byte> s)
    {
        int start = 0, end = s.Length;
        while (start < end && s[start] is (byte)' ' or (byte)'\t')
            start++;
        while (end > start && s[end - 1] is (byte)' ' or (byte)'\t')
            end--;
        return s.Slice(start, end - start);
    }

    private static bool EqualsIgnoreCase(ReadOnlySpan<byte> a, ReadOnlySpan<byte> lowerB)
    {
        if (a.Length != lowerB.Length)
            return false;
        for (int i = 0; i < a.Length; i++)
        {
            byte c = a[i];
            if ((uint)(c - 'A') <= 'Z' - 'A')
                c |= 0x20;
            if (c != lowerB[i])
                return false;
        }
        return true;
    }

    /// <summary>True when the comma-separated list <paramref name="value"/> holds <paramref name="token"/> (case-insensitive).</summary>
    private static bool ContainsToken(ReadOnlySpan<byte> value, ReadOnlySpan<byte> token)
    {
        while (!value.IsEmpty)
        {
            int comma = value.IndexOf((byte)',');
            ReadOnlySpan<byte> item = TrimOws(comma < 0 ? value : value.Slice(0, comma));
            if (EqualsIgnoreCase(item, token))
                return true;
            value = comma < 0 ? default : value.Slice(comma + 1);
        }
        return false;
    }

    /// <summary>1*DIGIT, at most 19 digits (no sign, no spaces inside, no list).</summary>
    private static bool TryParseLength(ReadOnlySpan<byte> s, out long value)
    {
        value = 0;
        if (s.IsEmpty || s.Length > 18)
            return false;
        foreach (byte b in s)
        {
            if (!IsDigit(b))
                return false;
            value = value * 10 + (b - '0');
        }
        return true;
    }
}
