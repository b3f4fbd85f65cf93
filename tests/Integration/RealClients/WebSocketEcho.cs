using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;

namespace RealClients;

/// <summary>The <c>/ws</c> endpoint: echoes every WebSocket frame as it comes (a message of any size is never held
/// whole). Shared with tests/UringSafe.AspNetCore.Tests.</summary>
internal static class WebSocketEcho
{
    public static async Task RunAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }
        using WebSocket ws = await context.WebSockets.AcceptWebSocketAsync();
        byte[] buffer = new byte[64 * 1024];
        while (true)
        {
            ValueWebSocketReceiveResult r = await ws.ReceiveAsync(buffer.AsMemory(), context.RequestAborted);
            if (r.MessageType == WebSocketMessageType.Close)
            {
                await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, null, context.RequestAborted);
                return;
            }
            await ws.SendAsync(buffer.AsMemory(0, r.Count), r.MessageType, r.EndOfMessage, context.RequestAborted);
        }
    }
}
