using System.Text;
using UringSafe.Interop;

namespace UringSafe.Raw;

// Which driver a reactor gets here: what ReactorDriver.Auto picks from the probe (the reactors' selection falls back on
// the same UringUnavailableException), and what URINGSAFE_DRIVER asks for on top.
public sealed partial class UringCapabilities
{
    /// <summary>The driver <see cref="ReactorDriver.Auto"/> picks on this host: the kernel ring where io_uring can be set
    /// up with everything the runtime's defaults use, the userspace ring otherwise (<see cref="AutoFallbackCause"/> says why).</summary>
    public ReactorDriver AutoDriver => AutoFallbackCause is null ? ReactorDriver.KernelRing : ReactorDriver.UserspaceRing;

    /// <summary>Why <see cref="ReactorDriver.Auto"/> takes the userspace ring here (io_uring is unusable, or lacks a feature
    /// the runtime's defaults use, such as multishot receive before Linux 6.0), or null when it takes the kernel ring.</summary>
    public string? AutoFallbackCause => Unavailable is { } e
        ? $"io_uring is unusable ({e.Cause}, io_uring_setup returned {Errno.Name(e.Errno)})"
        : KernelRingRequirements.Shortfall(Has);

    /// <summary>The value of <c>URINGSAFE_DRIVER</c> when this report was made, or null when it was unset.</summary>
    public string? DriverVariableValue { get; } = DriverVariable.Value;

    /// <summary>The driver a reactor whose options leave <c>Driver</c> at Auto runs here: the one <c>URINGSAFE_DRIVER</c>
    /// names, else <see cref="AutoDriver"/>; null when the variable names no driver (such reactors fail to start).</summary>
    public ReactorDriver? DefaultDriver => DriverVariableProblem() is null
        ? DriverVariable.Parse(DriverVariableValue) switch { ReactorDriver.Auto => AutoDriver, var named => named }
        : null;

    /// <summary>The report's driver lines: Auto's pick and why, then the variable.</summary>
    private void AppendDriver(StringBuilder sb)
    {
        sb.Append("Driver (ReactorDriver.Auto picks): ").AppendLine(AutoFallbackCause switch
        {
            null => "the kernel ring (KernelRing), because io_uring can be set up here with what the runtime's defaults use",
            string why when !IsUsable => $"the userspace ring (UserspaceRing), because {why}: " +
                "reactors run their requests with non-blocking syscalls and epoll, and a worker pool for files; " +
                "ReactorDriver.KernelRing, the raw Ring, registration and DmaFile need the fix below",
            string why => $"the userspace ring (UserspaceRing), because {why}",
        });
        sb.Append("  ").Append(DriverVariable.Name).Append(": ");
        if (DriverVariableValue is null)
        {
            sb.AppendLine("unset (reactors left at Auto take Auto's pick)");
            return;
        }
        if (DriverVariableProblem() is not null)
        {
            sb.Append('\'').Append(DriverVariableValue).AppendLine("' names no driver: reactors left at Auto fail to start (see Problems)");
            return;
        }
        ReactorDriver named = DriverVariable.Parse(DriverVariableValue);
        sb.Append(DriverVariableValue).Append(" (reactors left at Auto run ").Append(named switch
        {
            ReactorDriver.Auto => "Auto's pick",
            ReactorDriver.KernelRing when !IsUsable => "the kernel ring, so here they fail with UringUnavailableException",
            ReactorDriver.KernelRing => "the kernel ring",
            _ => "the userspace ring",
        }).AppendLine("; an explicit ReactorOptions.Driver wins)");
    }

    /// <summary>Why <c>URINGSAFE_DRIVER</c> names no driver, or null when it is unset or names one.</summary>
    private string? DriverVariableProblem()
    {
        try
        {
            DriverVariable.Parse(DriverVariableValue);
            return null;
        }
        catch (InvalidOperationException e)
        {
            return e.Message;
        }
    }
}
