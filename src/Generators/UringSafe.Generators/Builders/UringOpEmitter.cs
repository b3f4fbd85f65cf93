using System.CodeDom.Compiler;
using System.Globalization;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis.CSharp;

namespace UringSafe.Generators;

/// <summary>Writes the C# for a <see cref="UringOpModel"/> and for the catalog.</summary>
internal static class UringOpEmitter
{
    private const string Inline =
        "[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]";

    public static string HintName(UringOpModel model)
        => model.Namespace.Length == 0 ? model.TypeName + ".g.cs" : model.Namespace + "." + model.TypeName + ".g.cs";

    public static GeneratedSource EmitBuilder(UringOpModel model, CancellationToken cancellationToken)
    {
        using var file = new SourceWriter();
        IndentedTextWriter w = file.Writer;
        file.OpenNamespace(model.Namespace);

        string self = model.TypeName;
        string opcodeExpression = model.OpcodeMember.Length != 0
            ? $"{KnownNames.OpcodeType}.{model.OpcodeMember}"
            : $"({KnownNames.OpcodeType}){model.OpcodeValue.ToString(CultureInfo.InvariantCulture)}";

        w.WriteLine($"/// <summary>{Xml(model.Summary)}</summary>");
        w.WriteLine($"/// <remarks>Opcode <c>{Xml(model.KernelName)}</c>, kernel {Xml(model.Since)}+. liburing: <c>{Xml(model.ManPage)}(3)</c>.</remarks>");
        if (!model.DeclaresLayout)
        {
            w.WriteLine("[global::System.Runtime.InteropServices.StructLayout(global::System.Runtime.InteropServices.LayoutKind.Auto)]");
        }
        file.OpenBlock($"{model.Accessibility} partial struct {self}");

        // CODE and the common fields.
        w.WriteLine($"/// <summary>The opcode this builder writes, <c>{Xml(model.KernelName)}</c>.</summary>");
        w.WriteLine($"public const {KnownNames.OpcodeType} CODE = {opcodeExpression};");
        w.WriteLineNoTabs(string.Empty);
        w.WriteLine($"private {KnownNames.SqeFlagsType} {KnownNames.FlagsField};");
        w.WriteLine($"private ulong {KnownNames.UserDataField};");
        w.WriteLine($"private ushort {KnownNames.PersonalityField};");
        w.WriteLineNoTabs(string.Empty);

        EmitConstructor(w, model);
        cancellationToken.ThrowIfCancellationRequested();

        foreach (FieldModel field in model.Fields)
        {
            if (field.IsRequired) continue;
            EmitSetter(w, self, field.MethodName, field.TypeName, field.FieldName, Xml(field.Doc));
        }

        EmitSetter(w, self, "Flags", KnownNames.SqeFlagsType, KnownNames.FlagsField,
            "Sets IOSQE_* flags (link, drain, async, ...). They are OR-ed into the SQE's flags together with any the builder sets itself, such as IOSQE_FIXED_FILE for a fixed <see cref=\"global::UringSafe.Raw.FileRef\"/>.");
        EmitSetter(w, self, "UserData", "ulong", KnownNames.UserDataField,
            "Sets <c>user_data</c>, which the kernel copies into this operation's completion.");
        EmitSetter(w, self, "Personality", "ushort", KnownNames.PersonalityField,
            "Sets <c>personality</c>: the id of registered credentials to run the operation with (0 for the ring's own).");

        EmitWriteTo(w, model);
        EmitBuild(w);
        return file.Finish(HintName(model));
    }

    private static void EmitConstructor(IndentedTextWriter w, UringOpModel model)
    {
        bool any = false;
        foreach (FieldModel field in model.Fields)
        {
            any |= field.IsRequired;
        }

        w.WriteLine(any
            ? $"/// <summary>Creates a <see cref=\"{model.TypeName}\"/> builder from the operation's required operands.</summary>"
            : $"/// <summary>Creates a <see cref=\"{model.TypeName}\"/> builder with every operand at its default.</summary>");
        var parameters = new StringBuilder();
        foreach (FieldModel field in model.Fields)
        {
            if (!field.IsRequired) continue;
            w.WriteLine($"/// <param name=\"{field.ParameterName.TrimStart('@')}\">{Xml(field.Doc)}</param>");
            if (parameters.Length != 0) parameters.Append(", ");
            parameters.Append(field.TypeName).Append(' ').Append(field.ParameterName);
        }
        w.WriteLine(Inline);
        w.WriteLine($"public {model.TypeName}({parameters})");
        w.WriteLine("{");
        w.Indent++;
        foreach (FieldModel field in model.Fields)
        {
            if (field.IsRequired) w.WriteLine($"this.{field.FieldName} = {field.ParameterName};");
        }
        w.Indent--;
        w.WriteLine("}");
        w.WriteLineNoTabs(string.Empty);
    }

    private static void EmitSetter(IndentedTextWriter w, string self, string name, string type, string field, string docXml)
    {
        w.WriteLine($"/// <summary>{docXml}</summary>");
        w.WriteLine("/// <param name=\"value\">The value to store.</param>");
        w.WriteLine("/// <returns>This builder, for chaining.</returns>");
        w.WriteLine(Inline);
        w.WriteLine($"public {self} {name}({type} value)");
        w.WriteLine("{");
        w.Indent++;
        w.WriteLine($"this.{field} = value;");
        w.WriteLine("return this;");
        w.Indent--;
        w.WriteLine("}");
        w.WriteLineNoTabs(string.Empty);
    }

    private static void EmitWriteTo(IndentedTextWriter w, UringOpModel model)
    {
        w.WriteLine("/// <summary>Fills <paramref name=\"sqe\"/> with this operation, overwriting all of it.</summary>");
        w.WriteLine("/// <param name=\"sqe\">The submission queue entry to fill.</param>");
        w.WriteLine(Inline);
        w.WriteLine($"public readonly void WriteTo(ref {KnownNames.SqeType} sqe)");
        w.WriteLine("{");
        w.Indent++;
        w.WriteLine("sqe = default;");
        w.WriteLine("sqe.Opcode = CODE;");
        foreach (FieldModel field in model.Fields)
        {
            w.WriteLine($"{KnownNames.SlotWriterType}.{field.Slot}(ref sqe, {ValueExpression(field)});");
        }
        foreach (ConstModel constant in model.Consts)
        {
            string slotType = KnownNames.SlotTypes[constant.Slot];
            w.WriteLine($"{KnownNames.SlotWriterType}.{constant.Slot}(ref sqe, unchecked(({slotType}){constant.Value.ToString(CultureInfo.InvariantCulture)}UL));");
        }
        if (model.ConstSqeFlags != 0)
        {
            w.WriteLine($"sqe.Flags |= ({KnownNames.SqeFlagsType}){model.ConstSqeFlags.ToString(CultureInfo.InvariantCulture)};");
        }
        w.WriteLine($"sqe.Flags |= this.{KnownNames.FlagsField};");
        w.WriteLine($"sqe.UserData = this.{KnownNames.UserDataField};");
        w.WriteLine($"sqe.Personality = this.{KnownNames.PersonalityField};");
        w.Indent--;
        w.WriteLine("}");
        w.WriteLineNoTabs(string.Empty);
    }

    private static void EmitBuild(IndentedTextWriter w)
    {
        w.WriteLine("/// <summary>Returns a submission queue entry filled with this operation.</summary>");
        w.WriteLine("/// <returns>The filled entry.</returns>");
        w.WriteLine(Inline);
        w.WriteLine($"public readonly {KnownNames.SqeType} Build()");
        w.WriteLine("{");
        w.Indent++;
        w.WriteLine($"{KnownNames.SqeType} sqe = default;");
        w.WriteLine("WriteTo(ref sqe);");
        w.WriteLine("return sqe;");
        w.Indent--;
        w.WriteLine("}");
    }

    /// <summary>
    /// The argument for the slot writer: a FileRef passes through; an enum goes through its underlying type;
    /// a signed value narrower than 64 bits is sign-extended through <c>long</c> before it becomes a <c>ulong</c>.
    /// </summary>
    internal static string ValueExpression(FieldModel field)
    {
        string access = "this." + field.FieldName;
        if (field.Conversion == ValueConversion.FileRef) return access;

        string slotType = KnownNames.SlotTypes[field.Slot];
        string source = field.Conversion == ValueConversion.Enum && field.IntegerType != slotType
            ? $"({field.IntegerType}){access}"
            : access;
        if (slotType == "ulong" && IsSigned(field.IntegerType) && field.IntegerType != "long")
            return $"unchecked((ulong)(long){source})";
        return $"unchecked(({slotType}){source})";
    }

    private static bool IsSigned(string integerType)
        => integerType is "sbyte" or "short" or "int" or "long" or "nint";

    public static GeneratedSource EmitCatalog(EquatableArray<CatalogEntry> entries)
    {
        using var file = new SourceWriter();
        IndentedTextWriter w = file.Writer;
        const string row = "(string Builder, " + KnownNames.OpcodeType + " Opcode, string Since, string ManPage)";

        file.OpenNamespace(KnownNames.CatalogNamespace);
        w.WriteLine("/// <summary>Every SQE builder generated in this assembly, with its opcode, first kernel and liburing man page.</summary>");
        file.OpenBlock("internal static class UringOpCatalog");
        w.WriteLine($"private static readonly {row}[] s_all = new {row}[]");
        w.WriteLine("{");
        w.Indent++;
        foreach (CatalogEntry entry in entries)
        {
            string opcode = entry.OpcodeMember.Length != 0
                ? $"{KnownNames.OpcodeType}.{entry.OpcodeMember}"
                : $"({KnownNames.OpcodeType}){entry.OpcodeValue.ToString(CultureInfo.InvariantCulture)}";
            w.WriteLine($"({Literal(entry.Builder)}, {opcode}, {Literal(entry.Since)}, {Literal(entry.ManPage)}),");
        }
        w.Indent--;
        w.WriteLine("};");
        w.WriteLineNoTabs(string.Empty);
        w.WriteLine("/// <summary>The builders, ordered by opcode then name.</summary>");
        w.WriteLine($"public static global::System.ReadOnlySpan<{row}> All => s_all;");
        return file.Finish("UringOpCatalog.g.cs");
    }

    private static string Literal(string value) => SymbolDisplay.FormatLiteral(value, quote: true);

    /// <summary>Escapes text for an XML doc comment and folds it onto one line.</summary>
    internal static string Xml(string value)
    {
        var sb = new StringBuilder(value.Length);
        bool lastWasSpace = false;
        foreach (char c in value)
        {
            if (c is '\r' or '\n' or '\t')
            {
                if (!lastWasSpace) sb.Append(' ');
                lastWasSpace = true;
                continue;
            }
            lastWasSpace = c == ' ';
            switch (c)
            {
                case '&': sb.Append("&amp;"); break;
                case '<': sb.Append("&lt;"); break;
                case '>': sb.Append("&gt;"); break;
                default: sb.Append(c); break;
            }
        }
        return sb.ToString().Trim();
    }
}
