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
        : KernelRingRequirements.Shortfall(Has)?.Message;

    /// <summary>The value of <c>URINGSAFE_DRIVER</c> when this report was made, or null when it was unset.</summary>
    public string? DriverVariableValue { get; } = DriverVariable.Value;

    /// <summary>The driver a reactor whose options leave <c>Driver</c> at Auto runs here: the one <c>URINGSAFE_DRIVER</c>
    /// names, else <see cref="AutoDriver"/>; null when the variable names no driver (such reactors fail to start).</summary>
    public ReactorDriver? DefaultDriver => DriverVariableProblem() is null
        ? DriverVariable.Parse(DriverVariableValue) switch { ReactorDriver.Auto => AutoDriver, var named => named }
        : null;

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
