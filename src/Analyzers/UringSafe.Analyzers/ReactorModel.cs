using System.Collections.Concurrent;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace UringSafe.Analyzers;

/// <summary>What a blocking call is, for UR0008's message and code fix.</summary>
internal enum BlockingKind
{
    /// <summary><c>task.Wait()</c>.</summary>
    Wait,

    /// <summary><c>task.Result</c>.</summary>
    Result,

    /// <summary><c>task.GetAwaiter().GetResult()</c>.</summary>
    GetResult,

    /// <summary><c>Task.WaitAll</c>.</summary>
    WaitAll,

    /// <summary><c>Task.WaitAny</c>.</summary>
    WaitAny,

    /// <summary><c>Thread.Sleep</c>.</summary>
    Sleep,

    /// <summary>Synchronous Stream, File, Socket or Dns I/O that has an <c>...Async</c> twin.</summary>
    SynchronousIo,
}

/// <summary>A blocking call found in code that runs on a reactor.</summary>
internal readonly struct BlockingCall
{
    public BlockingCall(BlockingKind kind, string name, IOperation? task)
    {
        Kind = kind;
        Name = name;
        Task = task;
    }

    public BlockingKind Kind { get; }

    /// <summary>What is called, as the message names it (<c>Task.Wait</c>, <c>Stream.Read</c>).</summary>
    public string Name { get; }

    /// <summary>The task waited for (Wait, Result, GetResult), to skip tasks known to be complete.</summary>
    public IOperation? Task { get; }
}

/// <summary>
/// The types UR0008 recognises, resolved once per compilation: the reactor entry points (whose delegate arguments run on
/// a reactor), the tasks and awaiters that can be waited on synchronously, and the I/O types with async twins.
/// </summary>
internal sealed class ReactorModel
{
    private readonly INamedTypeSymbol? _task;
    private readonly INamedTypeSymbol? _taskOfT;
    private readonly INamedTypeSymbol? _valueTask;
    private readonly INamedTypeSymbol? _valueTaskOfT;
    private readonly INamedTypeSymbol? _thread;
    private readonly INamedTypeSymbol? _stream;
    private readonly INamedTypeSymbol? _memoryStream;
    private readonly INamedTypeSymbol? _unmanagedMemoryStream;
    private readonly INamedTypeSymbol? _file;
    private readonly INamedTypeSymbol? _socket;
    private readonly INamedTypeSymbol? _dns;
    private readonly INamedTypeSymbol? _runtime;
    private readonly INamedTypeSymbol? _reactor;
    private readonly INamedTypeSymbol? _executor;
    private readonly INamedTypeSymbol? _operationAttribute;
    private readonly ConcurrentDictionary<(ITypeSymbol Type, string Name), bool> _asyncTwins =
        new ConcurrentDictionary<(ITypeSymbol Type, string Name), bool>();

    public ReactorModel(Compilation compilation)
    {
        _task = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task");
        _taskOfT = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task`1");
        _valueTask = compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask");
        _valueTaskOfT = compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask`1");
        _thread = compilation.GetTypeByMetadataName("System.Threading.Thread");
        _stream = compilation.GetTypeByMetadataName("System.IO.Stream");
        _memoryStream = compilation.GetTypeByMetadataName("System.IO.MemoryStream");
        _unmanagedMemoryStream = compilation.GetTypeByMetadataName("System.IO.UnmanagedMemoryStream");
        _file = compilation.GetTypeByMetadataName("System.IO.File");
        _socket = compilation.GetTypeByMetadataName("System.Net.Sockets.Socket");
        _dns = compilation.GetTypeByMetadataName("System.Net.Dns");
        _runtime = compilation.GetTypeByMetadataName("UringSafe.Async.UringRuntime");
        _reactor = compilation.GetTypeByMetadataName("UringSafe.Async.UringReactor");
        _executor = compilation.GetTypeByMetadataName("UringSafe.Async.UringExecutor");
        _operationAttribute = compilation.GetTypeByMetadataName("UringSafe.Async.UringOperationAttribute");
    }

    /// <summary>Whether the compilation can run anything on a reactor at all (it sees UringSafe's async layer).</summary>
    public bool HasReactor => _runtime != null || _reactor != null || _executor != null;

    /// <summary>
    /// <c>UringRuntime.Run</c>, <c>UringReactor.Spawn</c>/<c>Post</c>, <c>UringExecutor.Spawn</c>/<c>SpawnOnEach</c>:
    /// their delegate arguments run on a reactor thread.
    /// </summary>
    public bool IsReactorEntry(IMethodSymbol method)
    {
        var type = method.ContainingType?.OriginalDefinition;
        if (type == null)
        {
            return false;
        }

        if (SymbolEqualityComparer.Default.Equals(type, _runtime))
        {
            return method.Name == "Run";
        }

        if (SymbolEqualityComparer.Default.Equals(type, _reactor))
        {
            return method.Name == "Spawn" || method.Name == "Post";
        }

        return SymbolEqualityComparer.Default.Equals(type, _executor) && (method.Name == "Spawn" || method.Name == "SpawnOnEach");
    }

    /// <summary>
    /// An operation of UringSafe's async layer: a <c>ValueTask</c>-returning method of a type in the <c>UringSafe</c>
    /// namespaces, or a <c>[UringOperation]</c> method. These start on the reactor thread (they refuse any other) and
    /// complete there, so the code after awaiting one runs on the reactor, with or without <c>ConfigureAwait(false)</c>.
    /// </summary>
    public bool IsUringOperation(IMethodSymbol method)
    {
        var returnType = method.ReturnType.OriginalDefinition;
        if (!SymbolEqualityComparer.Default.Equals(returnType, _valueTask) && !SymbolEqualityComparer.Default.Equals(returnType, _valueTaskOfT))
        {
            return false;
        }

        if (IsInUringSafeNamespace(method.ContainingType))
        {
            return true;
        }

        foreach (var attribute in method.GetAttributes())
        {
            if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, _operationAttribute))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether the type is <c>Task</c>, <c>Task&lt;T&gt;</c>, <c>ValueTask</c> or <c>ValueTask&lt;T&gt;</c>.</summary>
    public bool IsTaskType(ITypeSymbol? type)
    {
        var definition = type?.OriginalDefinition;
        return definition != null
            && (SymbolEqualityComparer.Default.Equals(definition, _task) || SymbolEqualityComparer.Default.Equals(definition, _taskOfT)
                || SymbolEqualityComparer.Default.Equals(definition, _valueTask) || SymbolEqualityComparer.Default.Equals(definition, _valueTaskOfT));
    }

    /// <summary>Classifies a call or property read that blocks its thread, or returns null.</summary>
    public BlockingCall? Classify(IOperation operation)
    {
        switch (operation)
        {
            case IPropertyReferenceOperation property when property.Property.Name == "Result" && property.Instance != null:
            {
                var type = property.Property.ContainingType.OriginalDefinition;
                if (SymbolEqualityComparer.Default.Equals(type, _taskOfT) || SymbolEqualityComparer.Default.Equals(type, _valueTaskOfT))
                {
                    return new BlockingCall(BlockingKind.Result, property.Property.ContainingType.Name + "<T>.Result", property.Instance);
                }

                return null;
            }

            case IInvocationOperation invocation:
                return Classify(invocation);
            default:
                return null;
        }
    }

    private BlockingCall? Classify(IInvocationOperation invocation)
    {
        var method = invocation.TargetMethod;
        var type = method.ContainingType?.OriginalDefinition;
        if (type == null)
        {
            return null;
        }

        if (SymbolEqualityComparer.Default.Equals(type, _task))
        {
            switch (method.Name)
            {
                case "Wait" when !method.IsStatic:
                    return new BlockingCall(BlockingKind.Wait, "Task.Wait", invocation.Instance);
                case "WaitAll" when method.IsStatic:
                    return new BlockingCall(BlockingKind.WaitAll, "Task.WaitAll", null);
                case "WaitAny" when method.IsStatic:
                    return new BlockingCall(BlockingKind.WaitAny, "Task.WaitAny", null);
                default:
                    return null;
            }
        }

        if (method.Name == "GetResult" && type.Name.EndsWith("Awaiter", System.StringComparison.Ordinal)
            && LendingModel.IsNamespace(type.ContainingNamespace, "System.Runtime.CompilerServices")
            && invocation.Instance is IInvocationOperation getAwaiter && getAwaiter.TargetMethod.Name == "GetAwaiter")
        {
            var task = getAwaiter.Instance;
            if (task is IInvocationOperation configure && configure.TargetMethod.Name == "ConfigureAwait" && configure.Instance != null)
            {
                task = configure.Instance;
            }

            return new BlockingCall(BlockingKind.GetResult, "GetAwaiter().GetResult()", task);
        }

        if (SymbolEqualityComparer.Default.Equals(type, _thread))
        {
            return method.Name == "Sleep" && method.IsStatic ? new BlockingCall(BlockingKind.Sleep, "Thread.Sleep", null) : (BlockingCall?)null;
        }

        var ioType = IoTypeOf(invocation);
        if (ioType != null && !method.Name.EndsWith("Async", System.StringComparison.Ordinal)
            && method.Name != "Dispose" && method.Name != "Close" && HasAsyncTwin(ioType, method.Name))
        {
            return new BlockingCall(BlockingKind.SynchronousIo, ioType.Name + "." + method.Name, null);
        }

        return null;
    }

    /// <summary>The I/O type the call is made on (the receiver's static type for a stream), or null when it is not I/O.</summary>
    private INamedTypeSymbol? IoTypeOf(IInvocationOperation invocation)
    {
        var type = invocation.TargetMethod.ContainingType.OriginalDefinition;
        if (SymbolEqualityComparer.Default.Equals(type, _file) || SymbolEqualityComparer.Default.Equals(type, _socket)
            || SymbolEqualityComparer.Default.Equals(type, _dns))
        {
            return type;
        }

        if (_stream == null || invocation.Instance?.Type is not INamedTypeSymbol receiver || !DerivesFrom(receiver, _stream))
        {
            return null;
        }

        // Memory streams do no I/O: reading or writing one never waits.
        return DerivesFrom(receiver, _memoryStream) || DerivesFrom(receiver, _unmanagedMemoryStream) ? null : receiver;
    }

    private bool HasAsyncTwin(INamedTypeSymbol type, string name) =>
        _asyncTwins.GetOrAdd((type, name), key =>
        {
            for (var current = (INamedTypeSymbol?)key.Type; current != null; current = current.BaseType)
            {
                if (!current.GetMembers(key.Name + "Async").IsEmpty)
                {
                    return true;
                }
            }

            return false;
        });

    private static bool DerivesFrom(INamedTypeSymbol type, INamedTypeSymbol? baseType)
    {
        if (baseType == null)
        {
            return false;
        }

        for (var current = type; current != null; current = current.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(current.OriginalDefinition, baseType))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsInUringSafeNamespace(INamedTypeSymbol? type)
    {
        var ns = type?.ContainingNamespace;
        while (ns != null && !ns.IsGlobalNamespace)
        {
            if (ns.ContainingNamespace.IsGlobalNamespace)
            {
                return ns.Name == "UringSafe";
            }

            ns = ns.ContainingNamespace;
        }

        return false;
    }
}
