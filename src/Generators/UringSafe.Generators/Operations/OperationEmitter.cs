using System.CodeDom.Compiler;
using System.Collections.Generic;
using System.Threading;

namespace UringSafe.Generators;

/// <summary>Writes the C# for an <see cref="OperationModel"/>: the partial method's body and its operation struct.</summary>
internal static class OperationEmitter
{
    public static GeneratedSource Emit(OperationModel model, CancellationToken cancellationToken)
    {
        using var file = new SourceWriter();
        file.OpenNamespace(model.Namespace);
        foreach (ContainingTypeModel type in model.ContainingTypes)
            file.OpenBlock($"{type.Keyword} {type.Name}");

        IndentedTextWriter w = file.Writer;
        EmitMethod(w, model);
        w.WriteLineNoTabs(string.Empty);
        cancellationToken.ThrowIfCancellationRequested();
        EmitOperation(w, model);
        return file.Finish(model.HintName);
    }

    private static void EmitMethod(IndentedTextWriter w, OperationModel model)
    {
        var signature = new List<string>();
        var arguments = new List<string>();
        if (!model.PrepareIsStatic) arguments.Add("this");
        string token = "default", timeout = "default";
        foreach (OperationParameterModel parameter in model.Parameters)
        {
            // No default values: they belong to the defining declaration (CS1066 otherwise).
            signature.Add($"{parameter.Modifiers}{parameter.Type} {parameter.Name}");
            switch (parameter.Kind)
            {
                case OperationParameterKind.CancellationToken: token = parameter.Name; break;
                case OperationParameterKind.Timeout: timeout = parameter.Name; break;
                default: arguments.Add(parameter.Name); break;
            }
        }

        string modifiers = model.Modifiers.Length == 0 ? "" : model.Modifiers + " ";
        w.WriteLine($"{modifiers}partial {model.ReturnType} {model.MethodName}({string.Join(", ", signature)})");
        w.Indent++;
        w.WriteLine($"=> {OperationKnownNames.ReactorType}.Current.Execute<{model.OperationTypeName}, {model.ResultType}>(");
        w.Indent++;
        string fd = model.OwnerHoldsFd ? $"(({OperationKnownNames.SharedFdOwnerType})this).SharedFd, " : "";
        w.WriteLine($"new {model.OperationTypeName}({string.Join(", ", arguments)}), {fd}{token}, {timeout});");
        w.Indent -= 2;
    }

    private static void EmitOperation(IndentedTextWriter w, OperationModel model)
    {
        OperationParameterModel? lent = null;
        foreach (OperationParameterModel parameter in model.Parameters)
        {
            if (parameter.Kind == OperationParameterKind.Lent) lent = parameter;
        }
        if (lent is null) return; // the parser guarantees one

        string self = model.OperationTypeName;
        string lending = model.LendingType;
        string progress = "this." + OperationKnownNames.ProgressField;
        w.WriteLine($"// The lend-and-return operation behind {model.MethodName}, stored in the reactor's pooled completion source.");
        w.WriteLine("[global::System.ComponentModel.EditorBrowsable(global::System.ComponentModel.EditorBrowsableState.Never)]");
        w.WriteLine("[global::System.Runtime.InteropServices.StructLayout(global::System.Runtime.InteropServices.LayoutKind.Auto)]");
        string resubmitting = model.TransfersAll ? ", " + OperationKnownNames.ResubmittingInterface : "";
        w.WriteLine($"private struct {self} : {OperationKnownNames.OperationInterface}<{model.ResultType}>{resubmitting}");
        w.WriteLine("{");
        w.Indent++;

        // Fields.
        if (!model.PrepareIsStatic) w.WriteLine($"private readonly {model.OwnerType} {OperationKnownNames.OwnerField};");
        foreach (OperationParameterModel parameter in model.Parameters)
        {
            if (parameter.FieldName.Length != 0) w.WriteLine($"private readonly {parameter.FieldType} {parameter.FieldName};");
        }
        w.WriteLine($"private {OperationKnownNames.LeaseType} {OperationKnownNames.LeaseField};");
        if (model.TransfersAll) w.WriteLine($"private int {OperationKnownNames.ProgressField};");
        w.WriteLineNoTabs(string.Empty);

        // Constructor.
        var ctorParameters = new List<string>();
        if (!model.PrepareIsStatic) ctorParameters.Add($"{model.OwnerType} owner");
        foreach (OperationParameterModel parameter in model.Parameters)
        {
            if (parameter.FieldName.Length != 0) ctorParameters.Add($"{parameter.FieldType} {parameter.Name}");
        }
        w.WriteLine($"public {self}({string.Join(", ", ctorParameters)})");
        w.WriteLine("{");
        w.Indent++;
        if (!model.PrepareIsStatic) w.WriteLine($"this.{OperationKnownNames.OwnerField} = owner;");
        foreach (OperationParameterModel parameter in model.Parameters)
        {
            if (parameter.FieldName.Length != 0) w.WriteLine($"this.{parameter.FieldName} = {parameter.Name};");
        }
        w.WriteLine($"this.{OperationKnownNames.LeaseField} = default;");
        if (model.TransfersAll) w.WriteLine($"{progress} = 0;");
        w.Indent--;
        w.WriteLine("}");
        w.WriteLineNoTabs(string.Empty);

        // Prepare: lend, then build the SQE; give the buffer back if building fails.
        var prepareArguments = new List<string> { $"this.{OperationKnownNames.LeaseField}.Region" };
        if (model.TransfersAll) prepareArguments.Add(progress);
        foreach (OperationParameterModel parameter in model.Parameters)
        {
            if (parameter.Kind == OperationParameterKind.PassThrough) prepareArguments.Add("this." + parameter.FieldName);
        }
        if (model.PrepareTakesContext) prepareArguments.Add("context");
        string target = model.PrepareIsStatic ? model.OwnerType : "this." + OperationKnownNames.OwnerField;
        string release = $"{lending}.Release(this.{lent.FieldName}, ref this.{OperationKnownNames.LeaseField}";

        w.WriteLine($"public void Prepare(ref {OperationKnownNames.SqeType} sqe, in {OperationKnownNames.OperationContextType} context)");
        w.WriteLine("{");
        w.Indent++;
        // A resubmission (progress made) keeps the buffer it lent the first time.
        if (model.TransfersAll) w.WriteLine($"if ({progress} == 0)");
        if (model.TransfersAll) w.Indent++;
        w.WriteLine($"this.{OperationKnownNames.LeaseField} = {lending}.Lend(this.{lent.FieldName}, context.Ring);");
        if (model.TransfersAll) w.Indent--;
        w.WriteLine("try");
        w.WriteLine("{");
        w.Indent++;
        w.WriteLine($"sqe = {target}.{model.PrepareMethod}({string.Join(", ", prepareArguments)});");
        w.Indent--;
        w.WriteLine("}");
        w.WriteLine("catch");
        w.WriteLine("{");
        w.Indent++;
        w.WriteLine($"{release}, -1);");
        w.WriteLine("throw;");
        w.Indent--;
        w.WriteLine("}");
        w.Indent--;
        w.WriteLine("}");
        w.WriteLineNoTabs(string.Empty);

        if (model.TransfersAll)
            EmitTransfersAll(w, model, lent.FieldName, release);
        else
        {
            // Complete: the kernel is done; give the buffer back (filled, for reads) with the result.
            w.WriteLine($"public {model.ResultType} Complete(int result, {OperationKnownNames.CqeFlagsType} flags)");
            w.WriteLine("{");
            w.Indent++;
            w.WriteLine($"{release}, {(model.FillsBuffer ? "result" : "-1")});");
            w.WriteLine($"return new {model.ResultType}(result, this.{lent.FieldName});");
            w.Indent--;
            w.WriteLine("}");
        }
        w.WriteLineNoTabs(string.Empty);

        // Release: an error or cancellation; the buffer travels back on the exception.
        w.WriteLine("public object? Release(int result)");
        w.WriteLine("{");
        w.Indent++;
        w.WriteLine($"{release}, -1);");
        w.WriteLine($"return this.{lent.FieldName};");
        w.Indent--;
        w.WriteLine("}");

        // DescribeBuffer: what the in-flight snapshot shows for the lent buffer.
        w.WriteLineNoTabs(string.Empty);
        w.WriteLine("public string? DescribeBuffer()");
        w.Indent++;
        w.WriteLine($"=> {lending}.Describe(this.{lent.FieldName});");
        w.Indent--;

        // MapError: the declaration's ErrorMapper builds the exception for a failure (only on the error path).
        if (model.ErrorMapper.Length != 0)
        {
            w.WriteLineNoTabs(string.Empty);
            w.WriteLine("public global::System.Exception? MapError(int errno, string operation, int fd, object? buffer)");
            w.Indent++;
            w.WriteLine($"=> {model.OwnerType}.{model.ErrorMapper}(errno, operation, fd, buffer);");
            w.Indent--;
        }

        w.Indent--;
        w.WriteLine("}");
    }

    // TryContinue and Complete of an operation that resubmits until the buffer's Length is transferred (a send-all).
    private static void EmitTransfersAll(IndentedTextWriter w, OperationModel model, string lentField, string release)
    {
        string progress = "this." + OperationKnownNames.ProgressField;
        string length = $"this.{OperationKnownNames.LeaseField}.Region.Length";

        // TryContinue: a short transfer; record the progress and go round again with the same lent buffer.
        w.WriteLine("public bool TryContinue(int result)");
        w.WriteLine("{");
        w.Indent++;
        w.WriteLine($"if ({progress} + result >= {length})");
        w.Indent++;
        w.WriteLine("return false;");
        w.Indent--;
        w.WriteLine($"{progress} += result;");
        w.WriteLine("return true;");
        w.Indent--;
        w.WriteLine("}");
        w.WriteLineNoTabs(string.Empty);

        // Complete: every byte is out, or the kernel accepted none of the rest (EIO, the buffer carried back).
        w.WriteLine($"public {model.ResultType} Complete(int result, {OperationKnownNames.CqeFlagsType} flags)");
        w.WriteLine("{");
        w.Indent++;
        w.WriteLine($"int total = {progress} + result;");
        w.WriteLine($"bool stalled = total < {length};");
        w.WriteLine($"{release}, -1);");
        w.WriteLine("if (stalled)");
        w.Indent++;
        string operation = $"\"{model.MethodName}\"";
        if (model.ErrorMapper.Length != 0)
            w.WriteLine($"throw {model.OwnerType}.{model.ErrorMapper}(5 /* EIO */, {operation}, -1, this.{lentField});");
        else
            w.WriteLine($"throw new {OperationKnownNames.UringExceptionType}(5 /* EIO */, {operation}, -1, \"The kernel accepted none of the remaining bytes.\") {{ Buffer = this.{lentField} }};");
        w.Indent--;
        w.WriteLine($"return new {model.ResultType}(total, this.{lentField});");
        w.Indent--;
        w.WriteLine("}");
    }
}
