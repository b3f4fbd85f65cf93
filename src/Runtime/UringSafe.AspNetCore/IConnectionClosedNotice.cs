namespace UringSafe.AspNetCore;

/// <summary>What <see cref="ConnectionClosedNotifier"/> raises: one connection's <c>ConnectionClosed</c>.</summary>
internal interface IConnectionClosedNotice
{
    /// <summary>Runs the connection's closed callbacks; logs, never throws.</summary>
    void FireClosed();
}
