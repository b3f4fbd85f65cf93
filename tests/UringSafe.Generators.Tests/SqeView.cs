using System.Reflection;

namespace UringSafe.Generators.Tests;

/// <summary>The fields of an <c>Sqe</c> from a dynamically loaded assembly, read by reflection.</summary>
internal sealed record SqeView(
    byte Opcode, byte Flags, ushort IoPrio, int Fd, ulong Off, ulong Addr, uint Len, uint OpFlags,
    ulong UserData, ushort BufIndex, ushort Personality, int SpliceFdIn, ulong Addr3, ulong Pad2)
{
    public static SqeView From(object sqe)
    {
        Type type = sqe.GetType();
        Assert.Equal("UringSafe.Abi.Sqe", type.FullName);
        object Get(string name) => type.GetField(name, BindingFlags.Public | BindingFlags.Instance)!.GetValue(sqe)!;
        return new SqeView(
            Convert.ToByte(Get("Opcode")), Convert.ToByte(Get("Flags")), (ushort)Get("IoPrio"), (int)Get("Fd"),
            (ulong)Get("Off"), (ulong)Get("Addr"), (uint)Get("Len"), (uint)Get("OpFlags"), (ulong)Get("UserData"),
            (ushort)Get("BufIndex"), (ushort)Get("Personality"), (int)Get("SpliceFdIn"), (ulong)Get("Addr3"), (ulong)Get("Pad2"));
    }
}

/// <summary>Calls the static methods of a compiled <c>Probes</c> class.</summary>
internal sealed class ProbeAssembly(Assembly assembly, string probesTypeName)
{
    private readonly Type _probes = assembly.GetType(probesTypeName, throwOnError: true)!;

    public object Invoke(string method) => _probes.GetMethod(method, BindingFlags.Public | BindingFlags.Static)!.Invoke(null, null)!;

    public SqeView Sqe(string method) => SqeView.From(Invoke(method));

    /// <summary>Reads <c>UringOpCatalog.All</c> (an array of 4-tuples) through a probe that returns it as an array.</summary>
    public IReadOnlyList<(string Builder, byte Opcode, string Since, string ManPage)> Catalog(string method)
    {
        var rows = new List<(string, byte, string, string)>();
        foreach (object row in (Array)Invoke(method))
        {
            Type t = row.GetType();
            rows.Add(((string)t.GetField("Item1")!.GetValue(row)!, Convert.ToByte(t.GetField("Item2")!.GetValue(row)),
                (string)t.GetField("Item3")!.GetValue(row)!, (string)t.GetField("Item4")!.GetValue(row)!));
        }
        return rows;
    }
}
