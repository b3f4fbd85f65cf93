namespace UringSafe;

/// <summary>
/// <c>URINGSAFE_DRIVER=auto|kernel|userspace</c>, which decides a reactor's driver when its options leave it at Auto.
/// Kept under every layer so the reactors' driver selection and the capabilities report read it the same way.
/// </summary>
internal static class DriverVariable
{
    public const string Name = "URINGSAFE_DRIVER";

    /// <summary>The driver the variable names; Auto when unset or empty.</summary>
    /// <exception cref="InvalidOperationException">The value names no driver.</exception>
    public static ReactorDriver Parse(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        null or "" or "auto" => ReactorDriver.Auto,
        "kernel" => ReactorDriver.KernelRing,
        "userspace" => ReactorDriver.UserspaceRing,
        _ => throw new InvalidOperationException(
            $"{Name}='{value}' is not a driver UringSafe knows: use auto, kernel or userspace (or unset it for auto)."),
    };

    /// <summary>The variable's raw value in this process, or null when unset.</summary>
    public static string? Value => Environment.GetEnvironmentVariable(Name);
}
