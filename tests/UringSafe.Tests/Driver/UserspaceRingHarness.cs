using System.Diagnostics;
using UringSafe.Abi;
using UringSafe.Driver.Userspace;

namespace UringSafe.Tests.Driver;

/// <summary>Drives a <see cref="UserspaceRingDriver"/> directly, as a reactor would: push SQEs, submit, reap CQEs, with a
/// watchdog on every wait (a CQE that never comes fails the test with what was expected).</summary>
internal sealed class UserspaceRingHarness : IDisposable
{
    public UserspaceRingDriver Ring { get; } = new(64);

    private readonly List<Cqe> _seen = new();

    public void Submit(params Sqe[] sqes)
    {
        foreach (Sqe sqe in sqes)
            Assert.True(Ring.TryPush(in sqe), "the SQ is full");
        Ring.Submit();
    }

    /// <summary>Reaps until a completion for <paramref name="userData"/> arrived; fails after <paramref name="limit"/> (5 s).</summary>
    public Cqe Expect(ulong userData, TimeSpan? limit = null)
    {
        long deadline = Stopwatch.GetTimestamp() + (long)((limit ?? TimeSpan.FromSeconds(5)).TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            int i = _seen.FindIndex(c => c.UserData == userData);
            if (i >= 0)
            {
                Cqe found = _seen[i];
                _seen.RemoveAt(i);
                return found;
            }
            Assert.True(Stopwatch.GetTimestamp() < deadline,
                $"Watchdog: no completion for user_data {userData} arrived (seen: {string.Join(", ", _seen)}).");
            Reap(TimeSpan.FromMilliseconds(20));
        }
    }

    /// <summary>True when no completion for <paramref name="userData"/> arrives within <paramref name="wait"/>.</summary>
    public bool Silent(ulong userData, TimeSpan wait)
    {
        long deadline = Stopwatch.GetTimestamp() + (long)(wait.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            if (_seen.Exists(c => c.UserData == userData))
                return false;
            Reap(TimeSpan.FromMilliseconds(10));
        }
        return !_seen.Exists(c => c.UserData == userData);
    }

    private void Reap(TimeSpan wait)
    {
        Span<Cqe> batch = stackalloc Cqe[32];
        Ring.SubmitAndWait(1, wait);
        int n;
        while ((n = Ring.CopyCompletions(batch)) > 0)
            _seen.AddRange(batch[..n].ToArray());
    }

    public void Dispose() => Ring.Dispose();
}
