using UringSafe.Abi;

namespace UringSafe.Raw;

/// <summary>What the running kernel supports: opcodes (from IORING_REGISTER_PROBE) and ring features.</summary>
public sealed class RingProbe
{
    private readonly bool[] _supported;

    internal RingProbe(byte lastOp, bool[] supported, RingFeatures features)
    {
        LastOpcode = (IoUringOpcode)lastOp;
        _supported = supported;
        Features = features;
    }

    /// <summary>The highest opcode the kernel knows.</summary>
    public IoUringOpcode LastOpcode { get; }

    /// <summary>The ring features (IORING_FEAT_*).</summary>
    public RingFeatures Features { get; }

    /// <summary>True when the kernel supports <paramref name="opcode"/>.</summary>
    public bool IsSupported(IoUringOpcode opcode) => _supported[(int)opcode];

    /// <summary>Every supported opcode, in numeric order.</summary>
    public IEnumerable<IoUringOpcode> SupportedOpcodes
    {
        get
        {
            for (int i = 0; i < _supported.Length; i++)
                if (_supported[i])
                    yield return (IoUringOpcode)i;
        }
    }
}
