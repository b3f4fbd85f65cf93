using System.Text;

namespace HttpPlaintext;

/// <summary>
/// Preformatted responses of one reactor, with the Date header written in place once a second
/// (<see cref="UpdateDate"/>, on the reactor thread), so answering a request is one copy and no allocation.
/// </summary>
public sealed class Responses
{
    private const string DateSample = "Sun, 06 Nov 1994 08:49:37 GMT";
    private static readonly int DateLength = DateSample.Length;

    private readonly byte[][] _all;
    private readonly int[] _dateOffsets;

    public Responses()
    {
        Plaintext = Build("200 OK", "Content-Type: text/plain\r\n", "Hello, World!", keepAlive: true);
        NotFound = Build("404 Not Found", "", "", keepAlive: true);
        MethodNotAllowed = Build("405 Method Not Allowed", "Allow: GET\r\n", "", keepAlive: true);
        BadRequest = Build("400 Bad Request", "", "", keepAlive: false);
        _all = [Plaintext, NotFound, MethodNotAllowed, BadRequest];
        _dateOffsets = new int[_all.Length];
        for (int i = 0; i < _all.Length; i++)
            _dateOffsets[i] = _all[i].AsSpan().IndexOf("Date: "u8) + 6;
        UpdateDate(DateTime.UtcNow);
    }

    /// <summary>200 with <c>Hello, World!</c>.</summary>
    public byte[] Plaintext { get; }

    /// <summary>404, empty body.</summary>
    public byte[] NotFound { get; }

    /// <summary>405, empty body.</summary>
    public byte[] MethodNotAllowed { get; }

    /// <summary>400 with <c>Connection: close</c>.</summary>
    public byte[] BadRequest { get; }

    private static byte[] Build(string status, string extraHeaders, string body, bool keepAlive)
        => Encoding.ASCII.GetBytes(
            $"HTTP/1.1 {status}\r\n" +
            $"Content-Length: {body.Length}\r\n" +
            extraHeaders +
            "Server: UringSafe\r\n" +
            $"Date: {DateSample}\r\n" +
            (keepAlive ? "" : "Connection: close\r\n") +
            "\r\n" + body);

    /// <summary>Rewrites the Date header of every response (RFC 1123, 29 ASCII bytes); allocation-free.</summary>
    public void UpdateDate(DateTime utcNow)
    {
        Span<char> chars = stackalloc char[32];
        if (!utcNow.TryFormat(chars, out int n, "r", System.Globalization.CultureInfo.InvariantCulture) || n != DateLength)
            return;
        Span<byte> ascii = stackalloc byte[32];
        for (int i = 0; i < n; i++)
            ascii[i] = (byte)chars[i];
        for (int i = 0; i < _all.Length; i++)
            ascii.Slice(0, n).CopyTo(_all[i].AsSpan(_dateOffsets[i]));
    }
}
