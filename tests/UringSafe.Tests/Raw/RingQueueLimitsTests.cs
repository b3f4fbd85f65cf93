using UringSafe.Abi;
using UringSafe.Raw;
using UringSafe.Raw.Ops;

namespace UringSafe.Tests.Raw;

public sealed class RingQueueLimitsTests
{
    [Fact]
    public void A_full_submission_queue_is_reported_never_dropped()
    {
        using var ring = new Ring(4);
        for (ulong i = 0; i < 4; i++)
            Assert.True(ring.TryPush(new Nop().UserData(i).Build()));
        Assert.Equal(0u, ring.SqSpaceLeft);
        Assert.False(ring.TryPush(new Nop().UserData(99).Build()));
        ring.TryGetSqe(out bool ok);
        Assert.False(ok);
        var ex = Assert.Throws<SubmissionQueueFullException>(() => ring.GetSqe());
        Assert.Contains("Submit()", ex.Message);

        // Submit-and-retry makes room and keeps the new entry.
        new Nop().UserData(4).WriteTo(ref ring.GetSqeOrSubmit());
        ring.SubmitAndWait(5);
        var seen = new HashSet<ulong>();
        while (seen.Count < 5)
        {
            foreach (ref readonly Cqe c in ring.Completions())
                seen.Add(c.UserData);
            if (seen.Count < 5) ring.SubmitAndWait(1);
        }
        Assert.Equal(new HashSet<ulong> { 0, 1, 2, 3, 4 }, seen);
        Assert.Equal(0u, ring.SqDropped);
    }

    [Fact]
    public void A_burst_larger_than_the_completion_queue_loses_nothing()
    {
        using var ring = new Ring(new RingOptions { Entries = 4, CompletionEntries = 8 });
        Assert.Equal(8u, ring.CqEntries);
        const int Total = 200;
        var seen = new HashSet<ulong>();
        var batch = new Cqe[16];
        int next = 0, rounds = 0;
        while (seen.Count < Total && rounds++ < 10_000)
        {
            while (next < Total && ring.TryPush(new Nop().UserData((ulong)next).Build()))
                next++;
            ring.Submit();
            // Reap only when everything is queued or the kernel pushed back, so completions pile up past the CQ.
            if (next < Total && ring.SqSpaceLeft > 0)
                continue;
            int n = ring.CopyCompletions(batch);
            for (int k = 0; k < n; k++)
                Assert.True(seen.Add(batch[k].UserData), $"completion {batch[k].UserData} seen twice");
            if (n == 0 && next == Total)
                ring.SubmitAndWait(1, TimeSpan.FromSeconds(1));
        }
        Assert.Equal(Total, seen.Count);
        Assert.Equal(0u, ring.CqOverflowCount);
    }
}
