using System.Text;
using HttpPlaintext;
using UringSafe.Tests.Support;

namespace UringSafe.AspNetCore.Tests;

public class HttpPlaintextParserTests
{
    private static ParseStatus Parse(string text, out HttpRequestHead head, out ParseError error)
        => HttpRequestParser.TryParse(Encoding.ASCII.GetBytes(text), out head, out error);

    [Fact]
    public void Parses_a_simple_get()
    {
        byte[] data = "GET /plaintext HTTP/1.1\r\nHost: localhost\r\nAccept: */*\r\n\r\n"u8.ToArray();
        Assert.Equal(ParseStatus.Complete, HttpRequestParser.TryParse(data, out HttpRequestHead head, out ParseError error));
        Assert.Equal(ParseError.None, error);
        Assert.Equal(HttpPlaintext.HttpMethod.Get, head.Method);
        Assert.Equal("/plaintext", Encoding.ASCII.GetString(head.Path(data)));
        Assert.True(head.IsHttp11);
        Assert.True(head.KeepAlive);
        Assert.Equal(0, head.ContentLength);
        Assert.Equal(2, head.HeaderCount);
        Assert.Equal(data.Length, head.Length);
    }

    [Fact]
    public void Stops_at_the_end_of_the_first_of_pipelined_requests()
    {
        string one = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n";
        Assert.Equal(ParseStatus.Complete, Parse(one + one + "GET /b", out HttpRequestHead head, out _));
        Assert.Equal(one.Length, head.Length);
    }

    [Theory]
    [InlineData("")]
    [InlineData("GET")]
    [InlineData("GET /plaintext HTTP/1.1\r")]
    [InlineData("GET /plaintext HTTP/1.1\r\nHost: x\r\n")]
    [InlineData("GET /plaintext HTTP/1.1\r\nHost: x\r\nAccept: text/pl")]
    public void Incomplete_heads_ask_for_more(string text)
        => Assert.Equal(ParseStatus.Incomplete, Parse(text, out _, out _));

    [Theory]
    [InlineData("GET /plaintext HTTP/1.1\nHost: x\r\n\r\n", ParseError.BadRequestLine)]           // bare LF
    [InlineData("GET  /plaintext HTTP/1.1\r\nHost: x\r\n\r\n", ParseError.BadRequestLine)]        // two spaces
    [InlineData("GET plaintext HTTP/1.1\r\nHost: x\r\n\r\n", ParseError.BadRequestLine)]          // not origin-form
    [InlineData("GET /a b HTTP/1.1\r\nHost: x\r\n\r\n", ParseError.BadRequestLine)]
    [InlineData("G(T /a HTTP/1.1\r\nHost: x\r\n\r\n", ParseError.BadRequestLine)]                 // not a token
    [InlineData("GET /a HTTP/1.1 \r\nHost: x\r\n\r\n", ParseError.BadRequestLine)]
    [InlineData("GET /a HTTX/1.1\r\nHost: x\r\n\r\n", ParseError.BadRequestLine)]
    [InlineData("GET /a HTTP/2.0\r\nHost: x\r\n\r\n", ParseError.UnsupportedVersion)]
    [InlineData("\r\n", ParseError.BadRequestLine)]
    [InlineData("GET /a HTTP/1.1\r\nHost x\r\n\r\n", ParseError.BadHeader)]                       // no colon
    [InlineData("GET /a HTTP/1.1\r\nHost : x\r\n\r\n", ParseError.BadHeader)]                     // space before colon
    [InlineData("GET /a HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", ParseError.BadHeader)]           // obs-fold
    [InlineData("GET /a HTTP/1.1\r\nHost: x\nA: b\r\n\r\n", ParseError.BadHeader)]
    [InlineData("GET /a HTTP/1.1\r\nHost: x\u0001\r\n\r\n", ParseError.BadHeader)]
    [InlineData("GET /a HTTP/1.1\r\n\r\n", ParseError.MissingHost)]
    [InlineData("GET /a HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", ParseError.MissingHost)]
    [InlineData("GET /a HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n", ParseError.BodyNotAllowed)]
    [InlineData("GET /a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", ParseError.BodyNotAllowed)]
    [InlineData("POST /a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", ParseError.TransferEncodingNotSupported)]
    [InlineData("POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", ParseError.BadContentLength)]
    [InlineData("POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 1,1\r\n\r\n", ParseError.BadContentLength)]
    [InlineData("POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n", ParseError.BadContentLength)]
    [InlineData("POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 1048577\r\n\r\n", ParseError.ContentTooLarge)]
    [InlineData("POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n", ParseError.BadContentLength)]
    public void Rejects_malformed_requests(string text, ParseError expected)
    {
        Assert.Equal(ParseStatus.Error, Parse(text, out _, out ParseError error));
        Assert.Equal(expected, error);
    }

    [Fact]
    public void Accepts_a_post_with_a_body_up_to_the_limit()
    {
        Assert.Equal(ParseStatus.Complete, Parse("POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 1048576\r\n\r\n", out HttpRequestHead head, out _));
        Assert.Equal(HttpPlaintext.HttpMethod.Post, head.Method);
        Assert.Equal(1048576, head.ContentLength);
    }

    [Fact]
    public void Request_line_limit_is_8_KiB()
    {
        string longTarget = "/" + new string('a', HttpRequestParser.MaxRequestLine);
        Assert.Equal(ParseStatus.Error, Parse("GET " + longTarget, out _, out ParseError error));
        Assert.Equal(ParseError.RequestLineTooLong, error);
        // just under the limit is fine
        string okTarget = "/" + new string('a', HttpRequestParser.MaxRequestLine - "GET  HTTP/1.1\r\n".Length - 1);
        Assert.Equal(ParseStatus.Complete, Parse($"GET {okTarget} HTTP/1.1\r\nHost: a\r\n\r\n", out _, out _));
    }

    [Fact]
    public void Header_limits_are_64_headers_and_16_KiB()
    {
        var sb = new StringBuilder("GET /a HTTP/1.1\r\nHost: a\r\n");
        for (int i = 0; i < 63; i++)
            sb.Append("X-").Append(i).Append(": v\r\n");
        Assert.Equal(ParseStatus.Complete, Parse(sb + "\r\n", out HttpRequestHead head, out _));
        Assert.Equal(64, head.HeaderCount);
        Assert.Equal(ParseStatus.Error, Parse(sb + "X-65: v\r\n\r\n", out _, out ParseError error));
        Assert.Equal(ParseError.TooManyHeaders, error);

        string big = "GET /a HTTP/1.1\r\nHost: a\r\nX-Big: " + new string('b', HttpRequestParser.MaxHeaderBytes);
        Assert.Equal(ParseStatus.Error, Parse(big, out _, out error));
        Assert.Equal(ParseError.HeadersTooLarge, error);
    }

    [Theory]
    [InlineData("GET /a HTTP/1.1\r\nHost: a\r\n\r\n", true)]
    [InlineData("GET /a HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", false)]
    [InlineData("GET /a HTTP/1.1\r\nHost: a\r\nconnection: Upgrade, CLOSE\r\n\r\n", false)]
    [InlineData("GET /a HTTP/1.0\r\n\r\n", false)]
    [InlineData("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true)]
    public void Keep_alive_follows_version_and_connection_header(string text, bool keepAlive)
    {
        Assert.Equal(ParseStatus.Complete, Parse(text, out HttpRequestHead head, out _));
        Assert.Equal(keepAlive, head.KeepAlive);
    }

    [Fact]
    public void Trims_optional_whitespace_in_values()
    {
        Assert.Equal(ParseStatus.Complete, Parse("POST /a HTTP/1.1\r\nHost:a\r\nContent-Length: \t 12 \t\r\n\r\n", out HttpRequestHead head, out _));
        Assert.Equal(12, head.ContentLength);
    }

    [Fact]
    public void Parsing_does_not_allocate()
    {
        byte[] data = "GET /plaintext HTTP/1.1\r\nHost: localhost\r\nAccept: text/plain\r\nConnection: keep-alive\r\n\r\n"u8.ToArray();
        for (int i = 0; i < 100; i++)
            HttpRequestParser.TryParse(data, out _, out _);
        long allocated = SteadyStateAllocation.Least(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 1000; i++)
                HttpRequestParser.TryParse(data, out _, out _);
            return GC.GetAllocatedBytesForCurrentThread() - before;
        });
        Assert.Equal(0, allocated);
    }
}
