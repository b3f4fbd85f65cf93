using UringSafe.Abi;
using UringSafe.Diagnostics;
using UringSafe.Raw.Ops;

namespace UringSafe.Async;

/// <summary>
/// Carries out <see cref="FaultInjectionOptions"/> inside one reactor (on its thread): decides, from a seeded random
/// sequence, which real completions to rewrite or hold back and which submissions to refuse.
/// </summary>
internal sealed class FaultInjector(FaultInjectionOptions options)
{
    private static readonly int[] s_errors = [Errno.EINTR, Errno.ECANCELED, Errno.EAGAIN, 105 /* ENOBUFS */, 104 /* ECONNRESET */, 32 /* EPIPE */];

    private readonly Random _random = new(options.Seed);
    private readonly List<Held> _held = new();
    private int _holdReapTurns;

    private readonly record struct Held(OperationSlot Slot, ulong UserData, int Result, CqeFlags Flags, int DueTurn);

    private int _turn;

    /// <summary>Counts of what was injected, for tests and reports.</summary>
    public long Errors, ShortTransfers, Delays, CancelRaces, Refusals, ReapHolds;

    public bool HasDelayed => _held.Count > 0;

    private bool Roll(double rate) => rate > 0 && _random.NextDouble() < rate;

    public bool RefuseSubmit()
    {
        if (!Roll(options.SqFullRate))
            return false;
        Refusals++;
        return true;
    }

    public void OnSubmitted(UringReactor reactor, OperationSlot slot)
    {
        if (!Roll(options.CancelRaceRate))
            return;
        CancelRaces++;
        slot.CancelRequested = true;
        reactor.SubmitInternal(new AsyncCancel(slot.UserData).UserData(UserData.Ignore).Build());
    }

    /// <summary>Rewrites a completion, or holds it back (returns true: it is delivered later).</summary>
    public bool Intercept(UringReactor reactor, OperationSlot slot, ref int result, ref CqeFlags flags)
    {
        bool final = (flags & CqeFlags.More) == 0;
        bool carriesData = (flags & (CqeFlags.Buffer | CqeFlags.Notification)) != 0;
        if (final && !carriesData && result >= 0 && Roll(options.ErrorRate))
        {
            if (slot.ProducesFd)
                SharedFd.CloseOrphan(result); // the fd nobody will get
            result = -s_errors[_random.Next(s_errors.Length)];
            Errors++;
        }
        else if (final && result > 1 && slot.ShortTransferSafe && Roll(options.ShortTransferRate))
        {
            result = 1 + _random.Next(result - 1);
            ShortTransfers++;
        }
        if (final && Roll(options.DelayRate))
        {
            Delays++;
            _held.Add(new Held(slot, slot.UserData, result, flags, _turn + 1 + _random.Next(Math.Max(1, options.MaxDelayTurns))));
            return true;
        }
        return false;
    }

    /// <summary>Once per loop turn: delivers held completions that are due; returns true to skip reaping this turn.</summary>
    public bool OnLoopTurn(UringReactor reactor)
    {
        _turn++;
        for (int i = 0; i < _held.Count; i++)
        {
            if (_held[i].DueTurn > _turn)
                continue;
            Held h = _held[i];
            _held.RemoveAt(i--);
            reactor.DeliverHeld(h.Slot, h.UserData, h.Result, h.Flags);
        }
        if (_holdReapTurns > 0)
        {
            _holdReapTurns--;
            return true;
        }
        if (Roll(options.CqOverflowRate))
        {
            ReapHolds++;
            _holdReapTurns = 2 + _random.Next(6);
        }
        return false;
    }

    /// <summary>Delivers everything held (at shutdown).</summary>
    public void ReleaseAll(UringReactor reactor)
    {
        while (_held.Count > 0)
        {
            Held h = _held[0];
            _held.RemoveAt(0);
            reactor.DeliverHeld(h.Slot, h.UserData, h.Result, h.Flags);
        }
        _holdReapTurns = 0;
    }
}
