using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace UringSafe.Analyzers;

/// <summary>
/// A check on the operation tree, before any control flow graph is built: whether every loan a function makes is
/// taken back in the statement that makes it (<c>(n, buf) = await file.ReadAtAsync(buf, off);</c>), or in the very
/// next statement from a result declared by it (<c>var r = await file.ReadAtAsync(buf, off); buf = r.Buffer;</c>), with
/// nothing that could see the buffer while it is lent. Then the ownership dataflow has nothing to find, and is skipped.
/// </summary>
/// <remarks>
/// Why nothing can be found: the buffer's variable is lent only between the call and the assignment that takes it
/// back, where no code of the function runs, so no use, lend or scope end of it happens while it is lent on
/// a normal path. A declared result holds the buffer too, so it may be read only for members that are not the buffer
/// and cannot alias it (<c>r.Result</c>). On the exception path it stays lent, but with no try statement in the function an exception leaves
/// it (a using, foreach or lock finally in between touches only its own resource, which must not be the buffer); and
/// with no alias of the variable (it is assigned only fresh values, and never copied or viewed into anything that
/// could hold it) and no lambda, local function or method group bound to a value in the function, nothing else can name the buffer. Every loan is
/// seen on the operation tree: a foreach whose enumerator calls lend (calls the tree does not show) refuses the skip.
/// </remarks>
internal static class InPlaceTakeBack
{
    /// <summary>Whether every lending call directly in <paramref name="function"/> (nested functions excluded) is taken back in place.</summary>
    /// <param name="function">A method body, or a lambda or local function.</param>
    /// <param name="functionSymbol">The function's own symbol, which owns the parameters it may lend.</param>
    public static bool CoversEveryLoanIn(IOperation function, ISymbol? functionSymbol, LendingFacts facts)
    {
        var walk = new Walk(facts);
        foreach (var child in function.ChildOperations)
        {
            if (!walk.Visit(child))
            {
                return false;
            }
        }

        if (walk.Lent.Count == 0)
        {
            return true;
        }

        foreach (var statement in walk.Statements)
        {
            for (var parent = statement.Parent; parent != null && parent != function; parent = parent.Parent)
            {
                if (walk.Statements.Contains(parent))
                {
                    // A take-back inside another (in a ConfigureAwait argument) may run while the outer buffer is lent.
                    return false;
                }
            }
        }

        foreach (var variable in walk.Lent)
        {
            var ownedByFunction = variable is IParameterSymbol parameter
                ? parameter.RefKind == RefKind.None && SymbolEqualityComparer.Default.Equals(parameter.ContainingSymbol, functionSymbol)
                : walk.Declared.Contains(variable);
            if (!ownedByFunction)
            {
                return false;
            }
        }

        foreach (var reference in walk.References)
        {
            var variable = reference is ILocalReferenceOperation local ? (ISymbol)local.Local : ((IParameterReferenceOperation)reference).Parameter;
            if (walk.InPlace.Contains(reference))
            {
                continue;
            }

            if (walk.Lent.Contains(variable) && !HarmlessUse(reference, function, walk))
            {
                return false;
            }

            if (walk.Results.TryGetValue(variable, out var call) && !HarmlessResultUse(reference, call, facts))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>One pass over a function's operations (nested functions end it: they are not this shape).</summary>
    private sealed class Walk
    {
        private readonly LendingFacts _facts;

        public Walk(LendingFacts facts)
        {
            _facts = facts;
        }

        /// <summary>Variables lent by the function.</summary>
        public HashSet<ISymbol> Lent { get; } = new HashSet<ISymbol>(SymbolEqualityComparer.Default);

        /// <summary>References that are part of taking a variable back in place: the lent argument and the deconstruction target.</summary>
        public HashSet<IOperation> InPlace { get; } = new HashSet<IOperation>();

        /// <summary>The deconstructions that take a buffer back in place.</summary>
        public HashSet<IOperation> Statements { get; } = new HashSet<IOperation>();

        /// <summary>The lending calls in them.</summary>
        public HashSet<IOperation> Calls { get; } = new HashSet<IOperation>();

        /// <summary>Locals declared by a plain declaration statement with a fresh value (or none).</summary>
        public HashSet<ISymbol> Declared { get; } = new HashSet<ISymbol>(SymbolEqualityComparer.Default);

        public List<IOperation> References { get; } = new List<IOperation>();

        /// <summary>Result locals a buffer is taken back from in the next statement, with the call whose result each holds.</summary>
        public Dictionary<ISymbol, IInvocationOperation> Results { get; } = new Dictionary<ISymbol, IInvocationOperation>(SymbolEqualityComparer.Default);

        /// <summary>False as soon as the function is not of the shape.</summary>
        public bool Visit(IOperation operation)
        {
            switch (operation)
            {
                case IAnonymousFunctionOperation:
                case ILocalFunctionOperation:
                case ITryOperation:
                case IForEachLoopOperation loop when _facts.IsLendingForEach(loop):
                // A method group bound to a value (`buf.Touch`, an extension's `buf.Hash`, whose receiver the tree leaves out) may run while it is lent.
                case IMethodReferenceOperation { Instance: not (null or IInstanceReferenceOperation) }:
                case IMethodReferenceOperation { Method.IsExtensionMethod: true }:
                    return false;
                case IVariableDeclaratorOperation declarator:
                    if (declarator.Parent is IVariableDeclarationOperation { Parent: IVariableDeclarationGroupOperation { Parent: not (IUsingOperation or IUsingDeclarationOperation) } }
                        && (declarator.Initializer == null || !MayAlias(declarator.Initializer.Value)))
                    {
                        Declared.Add(declarator.Symbol);
                    }

                    break;
                case IInvocationOperation invocation when _facts.IsLendingInvocation(invocation):
                    if (!TakenBackInPlace(invocation, _facts, this))
                    {
                        return false;
                    }

                    break;
                case ILocalReferenceOperation:
                case IParameterReferenceOperation:
                    References.Add(operation);
                    return true;
            }

            foreach (var child in operation.ChildOperations)
            {
                if (!Visit(child))
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>
    /// <c>(…, v, …) = await call(v, …)</c> (through <c>ConfigureAwait</c>): one lent value, a local or parameter of a
    /// managed buffer type, assigned back from the result's buffer element; the other targets are plain variables.
    /// </summary>
    private static bool TakenBackInPlace(IInvocationOperation invocation, LendingFacts facts, Walk walk)
    {
        var values = facts.GetLentValues(invocation);
        if (values.Length != 1)
        {
            return false;
        }

        var argument = LendingModel.StripConversions(values[0]);
        var variable = VariableOf(argument);
        if (variable == null || LendingModel.IsRawMemoryType(argument.Type))
        {
            return false;
        }

        if (!(LendingModel.SkipTaskWrappersUpward(invocation).Parent is IAwaitOperation awaited))
        {
            return false;
        }

        IOperation value = awaited;
        while (value.Parent is IConversionOperation || value.Parent is IParenthesizedOperation)
        {
            value = value.Parent;
        }

        if (value.Parent is IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator })
        {
            return TakenBackInNextStatement(declarator, variable, argument, invocation, facts, walk);
        }

        if (!(value.Parent is IDeconstructionAssignmentOperation deconstruction) || deconstruction.Value != value
            || !(deconstruction.Target is ITupleOperation tuple) || tuple.Elements.Length < 2)
        {
            return false;
        }

        var index = LendingModel.GetBufferElementIndex(awaited.Type, tuple.Elements.Length, invocation, facts);
        for (var i = 0; i < tuple.Elements.Length; i++)
        {
            var element = tuple.Elements[i];
            var target = VariableOf(element);
            if (i == index ? !SymbolEqualityComparer.Default.Equals(target, variable)
                : !(element is IDiscardOperation || element is IDeclarationExpressionOperation { Expression: ILocalReferenceOperation })
                    && (target == null || SymbolEqualityComparer.Default.Equals(target, variable)))
            {
                return false;
            }
        }

        walk.Lent.Add(variable);
        walk.InPlace.Add(argument);
        walk.InPlace.Add(tuple.Elements[index]);
        walk.Statements.Add(deconstruction);
        walk.Calls.Add(invocation);
        return true;
    }

    /// <summary>
    /// <c>var r = await call(v, …);</c> alone in its declaration, directly in a block, and <c>v = r.Buffer;</c> as the
    /// block's next statement.
    /// </summary>
    private static bool TakenBackInNextStatement(IVariableDeclaratorOperation declarator, ISymbol variable, IOperation argument,
        IInvocationOperation invocation, LendingFacts facts, Walk walk)
    {
        if (!(declarator.Parent is IVariableDeclarationOperation { Declarators.Length: 1 } declaration)
            || !(declaration.Parent is IVariableDeclarationGroupOperation { Declarations.Length: 1 } group)
            || !(group.Parent is IBlockOperation block))
        {
            return false;
        }

        var index = block.Operations.IndexOf(group);
        if (index < 0 || index + 1 >= block.Operations.Length
            || !(block.Operations[index + 1] is IExpressionStatementOperation { Operation: ISimpleAssignmentOperation { IsRef: false } takeBack })
            || !SymbolEqualityComparer.Default.Equals(VariableOf(takeBack.Target), variable)
            || !(LendingModel.StripConversions(takeBack.Value) is IPropertyReferenceOperation { Instance: ILocalReferenceOperation result } member)
            || !SymbolEqualityComparer.Default.Equals(result.Local, declarator.Symbol)
            || !LendingModel.IsBufferMember(member.Property.Name, member.Type, invocation, facts))
        {
            return false;
        }

        walk.Lent.Add(variable);
        walk.InPlace.Add(argument);
        walk.InPlace.Add(takeBack.Target);
        walk.InPlace.Add(result);
        walk.Statements.Add(group);
        walk.Calls.Add(invocation);
        walk.Results[declarator.Symbol] = invocation;
        return true;
    }

    /// <summary>A read of a declared result that cannot reach its buffer: a member that is not the buffer and cannot alias it.</summary>
    private static bool HarmlessResultUse(IOperation reference, IInvocationOperation call, LendingFacts facts)
        => reference.Parent is IPropertyReferenceOperation member && member.Instance == reference
            && !LendingModel.IsBufferMember(member.Property.Name, member.Type, call, facts)
            && !BufferTypes.IsAliasCapable(member.Type)
            && !(member.Parent is IAssignmentOperation assignment && assignment.Target == member);

    private static ISymbol? VariableOf(IOperation operation) => operation switch
    {
        ILocalReferenceOperation local => local.Local,
        IParameterReferenceOperation parameter => parameter.Parameter,
        _ => null,
    };

    /// <summary>
    /// A use of a lent variable outside the statements that lend it, or in an argument of a lending call in one (which
    /// runs before the loan): harmless unless it is in a using, foreach or lock header (their finally reaches it on the
    /// exception path), or makes something that may alias the buffer (a copy of the reference, a view of its memory, a
    /// pattern over it) or the variable an alias.
    /// </summary>
    private static bool HarmlessUse(IOperation reference, IOperation function, Walk walk)
    {
        var end = function;
        for (var parent = reference.Parent; parent != null && parent != function; parent = parent.Parent)
        {
            if (walk.Statements.Contains(parent))
            {
                // Inside a statement that lends the variable: only the lending call's other arguments run before the loan starts.
                var argument = ArgumentOfLendingCall(reference, parent, walk);
                if (argument == null)
                {
                    return false;
                }

                end = argument;
                break;
            }
        }

        var child = reference;
        for (var parent = reference.Parent; parent != null && parent != end; child = parent, parent = parent.Parent)
        {
            switch (parent)
            {
                case IUsingOperation usingStatement when usingStatement.Resources == child:
                case IUsingDeclarationOperation:
                case IForEachLoopOperation loop when loop.Collection == child:
                case ILockOperation @lock when @lock.LockedValue == child:
                case IDeconstructionAssignmentOperation:
                case IIsPatternOperation:
                case ISwitchOperation:
                case ISwitchExpressionOperation:
                    return false;
                case IAssignmentOperation assignment when assignment.Target == child:
                    if (MayAlias(assignment.Value))
                    {
                        return false;
                    }

                    // The assignment's value is the variable's: where it goes (`using (buf = new Buf())`) is looked at too.
                    continue;
                case IAssignmentOperation assignment:
                    // Simple, compound and '??=' alike (a deconstruction is refused above).
                    return !MayHoldAlias(assignment.Value);
                case IVariableInitializerOperation initializer:
                    return !MayHoldAlias(initializer.Value);
            }
        }

        return true;
    }

    /// <summary>The argument of a lending call in <paramref name="statement"/> that holds <paramref name="reference"/>, if any.</summary>
    private static IOperation? ArgumentOfLendingCall(IOperation reference, IOperation statement, Walk walk)
    {
        for (var current = reference; current.Parent != null && current.Parent != statement; current = current.Parent)
        {
            if (current is IArgumentOperation && walk.Calls.Contains(current.Parent))
            {
                return current;
            }
        }

        return null;
    }

    /// <summary>
    /// Whether a value is of a type that can alias a buffer, before or after its conversions: the dataflow strips them,
    /// so a struct assigned from a buffer through a user-defined conversion is an alias of it there.
    /// </summary>
    private static bool MayHoldAlias(IOperation value) =>
        BufferTypes.IsAliasCapable(value.Type) || BufferTypes.IsAliasCapable(LendingModel.StripConversions(value).Type);

    /// <summary>Whether a value assigned to a variable may refer to memory something else also refers to (anything but a fresh value).</summary>
    private static bool MayAlias(IOperation value)
    {
        if (!MayHoldAlias(value))
        {
            return false;
        }

        var stripped = LendingModel.StripConversions(value);
        switch (stripped)
        {
            case IConditionalOperation:
            case ICoalesceOperation:
            case ISwitchExpressionOperation:
                return true;
        }

        var paths = new AccessPathResolver();
        return paths.ResolvePath(stripped) != null || paths.DerivedRoot(stripped) != null;
    }
}
