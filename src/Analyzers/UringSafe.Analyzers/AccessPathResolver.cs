using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace UringSafe.Analyzers;

/// <summary>
/// Which tracked location an operation of one control flow graph names, which location a view or pointer was derived
/// from, and where pointed-to memory lives. Knows the graph's flow captures (what each capture id may hold).
/// </summary>
internal sealed class AccessPathResolver
{
    // Made on first use: a resolver of an operation tree (no graph) often answers without any.
    private Dictionary<CaptureId, List<IOperation>>? _captures;
    private Dictionary<IOperation, AccessPath?>? _paths;
    private Dictionary<IOperation, AccessPath?>? _uncapturedPaths;
    private Dictionary<CaptureId, List<(ISymbol Member, IOperation Value)>>? _initialized;

    public void AddCapture(IFlowCaptureOperation capture)
    {
        _captures ??= new Dictionary<CaptureId, List<IOperation>>();
        if (!_captures.TryGetValue(capture.Id, out var list))
        {
            list = new List<IOperation>();
            _captures[capture.Id] = list;
        }

        list.Add(capture.Value);
    }

    /// <summary>
    /// Records an assignment to a member of a captured value (<c>{ Arr = buf }</c> of an object initializer assigns
    /// <c>Arr</c> of the capture of <c>new Holder()</c>): <see cref="InitializedMembers"/> answers for it.
    /// </summary>
    public void AddMemberAssignment(ISimpleAssignmentOperation assignment)
    {
        var member = assignment.Target switch
        {
            IFieldReferenceOperation { Field.IsStatic: false } field => (ISymbol)field.Field,
            IPropertyReferenceOperation { Property.IsStatic: false, Arguments.IsEmpty: true } property => property.Property,
            _ => null,
        };
        if (member != null && !assignment.IsRef && ((IMemberReferenceOperation)assignment.Target).Instance is IFlowCaptureReferenceOperation instance)
        {
            _initialized ??= new Dictionary<CaptureId, List<(ISymbol, IOperation)>>();
            if (!_initialized.TryGetValue(instance.Id, out var members))
            {
                members = new List<(ISymbol, IOperation)>();
                _initialized[instance.Id] = members;
            }

            members.Add((member, assignment.Value));
        }
    }

    /// <summary>The members an object initializer assigns, with their values, when the capture holds the object it creates.</summary>
    public List<(ISymbol Member, IOperation Value)>? InitializedMembers(CaptureId id) =>
        _initialized != null && _initialized.TryGetValue(id, out var members)
            && CapturedValues(id) is { Count: 1 } values && values[0] is IObjectCreationOperation
            ? members
            : null;

    /// <summary>The values a flow capture may hold, or null for a capture of another graph.</summary>
    public List<IOperation>? CapturedValues(CaptureId id) => _captures != null && _captures.TryGetValue(id, out var values) ? values : null;

    /// <summary>The syntax of what a capture reference stands for (the captured expression), for messages.</summary>
    public SyntaxNode? CapturedSyntax(IFlowCaptureReferenceOperation reference)
    {
        var values = CapturedValues(reference.Id);
        return values != null && values.Count > 0 ? values[0].Syntax : null;
    }

    /// <summary>The location an operation names; it depends on the operation alone, so each answer is kept for the fixpoint's later passes.</summary>
    public AccessPath? ResolvePath(IOperation? operation, bool followCaptures = true)
    {
        if (operation == null || !CanNameLocation(operation, followCaptures))
        {
            // Most operations name no location: answered without hashing them into the cache.
            return null;
        }

        var cache = followCaptures
            ? _paths ??= new Dictionary<IOperation, AccessPath?>(OwnershipState.OperationComparer)
            : _uncapturedPaths ??= new Dictionary<IOperation, AccessPath?>(OwnershipState.OperationComparer);
        if (!cache.TryGetValue(operation, out var path))
        {
            path = ResolvePath(operation, followCaptures, 0);
            cache[operation] = path;
        }

        return path;
    }

    private static bool CanNameLocation(IOperation? operation, bool followCaptures) => operation switch
    {
        ILocalReferenceOperation or IParameterReferenceOperation or IFieldReferenceOperation or IArrayElementReferenceOperation => true,
        IPropertyReferenceOperation property => property.Arguments.IsEmpty,
        IFlowCaptureReferenceOperation => followCaptures,
        _ => false,
    };

    private AccessPath? ResolvePath(IOperation? operation, bool followCaptures, int depth)
    {
        if (operation == null || depth > AccessPath.MaxLength + 4)
        {
            return null;
        }

        switch (operation)
        {
            case ILocalReferenceOperation local:
                return AccessPath.Of(local.Local);
            case IParameterReferenceOperation parameter:
                return AccessPath.Of(parameter.Parameter);
            case IFieldReferenceOperation field:
                if (field.Field.IsStatic || field.Instance == null || field.Instance is IInstanceReferenceOperation)
                {
                    return AccessPath.Of(field.Field);
                }

                return ResolvePath(field.Instance, followCaptures, depth + 1)?.Append(field.Field);
            case IPropertyReferenceOperation property when property.Arguments.IsEmpty:
                if (property.Property.IsStatic || property.Instance == null || property.Instance is IInstanceReferenceOperation)
                {
                    return AccessPath.Of(property.Property);
                }

                return ResolvePath(property.Instance, followCaptures, depth + 1)?.Append(property.Property);
            case IArrayElementReferenceOperation element when element.Indices.Length == 1 && element.Indices[0].Type?.SpecialType == SpecialType.System_Int32:
                {
                    // `bufs[0]`: each constant index is a location; any other index may be any element.
                    var index = element.Indices[0].ConstantValue is { HasValue: true, Value: int constant } ? constant : (int?)null;
                    return ResolvePath(element.ArrayReference, followCaptures, depth + 1)?.AppendElement(index, element.Indices[0].Syntax.ToString());
                }

            case IFlowCaptureReferenceOperation reference when followCaptures:
                {
                    var values = CapturedValues(reference.Id);
                    if (values == null)
                    {
                        return null;
                    }

                    AccessPath? result = null;
                    foreach (var value in values)
                    {
                        // A captured assignment (`using (buf = new Buf())`) holds what its target does right after it.
                        var path = value is ISimpleAssignmentOperation { IsRef: false } assignment
                            ? ResolvePath(assignment.Target, followCaptures, depth + 1)
                            : ResolvePath(value, followCaptures, depth + 1);
                        if (path == null || (result != null && !result.Equals(path)))
                        {
                            return null;
                        }

                        result = path;
                    }

                    return result;
                }

            default:
                return null;
        }
    }

    /// <summary>The location a Span, Memory, array segment or pointer was derived from (<c>buf.AsSpan()</c>, <c>&amp;buf[0]</c>).</summary>
    public AccessPath? DerivedRoot(IOperation operation)
    {
        for (var depth = 0; depth < 8; depth++)
        {
            operation = LendingModel.StripConversions(operation);
            switch (operation)
            {
                case IInvocationOperation invocation when BufferTypes.IsBufferView(invocation.Type):
                    {
                        var source = ViewedOperand(invocation);
                        if (source == null)
                        {
                            return null;
                        }

                        var path = ResolvePath(LendingModel.StripConversions(source));
                        if (path != null)
                        {
                            return path;
                        }

                        operation = source;
                        continue;
                    }

                case IObjectCreationOperation creation when BufferTypes.IsBufferView(creation.Type) && creation.Arguments.Length > 0:
                    {
                        var source = creation.Arguments[0].Value;
                        var path = ResolvePath(LendingModel.StripConversions(source));
                        if (path != null)
                        {
                            return path;
                        }

                        operation = source;
                        continue;
                    }

                case IImplicitIndexerReferenceOperation slice when BufferTypes.IsBufferView(slice.Type):
                    {
                        // `frame[..4]` on a Span or Memory: Slice, a view of the same memory.
                        var path = ResolvePath(LendingModel.StripConversions(slice.Instance));
                        if (path != null)
                        {
                            return path;
                        }

                        operation = slice.Instance;
                        continue;
                    }

                case IBinaryOperation arithmetic when arithmetic.Type?.TypeKind == TypeKind.Pointer:
                    {
                        // `p + 4`: the same memory, further on.
                        var pointer = arithmetic.LeftOperand.Type?.TypeKind == TypeKind.Pointer ? arithmetic.LeftOperand : arithmetic.RightOperand;
                        var path = ResolvePath(LendingModel.StripConversions(pointer));
                        if (path != null)
                        {
                            return path;
                        }

                        operation = pointer;
                        continue;
                    }

                case IAddressOfOperation addressOf:
                    {
                        var reference = addressOf.Reference;
                        if (reference is IArrayElementReferenceOperation element)
                        {
                            reference = element.ArrayReference;
                        }

                        var path = ResolvePath(LendingModel.StripConversions(reference));
                        if (path != null)
                        {
                            return path;
                        }

                        operation = reference;
                        continue;
                    }

                case IMemberReferenceOperation member when (member is IFieldReferenceOperation || member is IPropertyReferenceOperation)
                    && member.Instance != null && BufferTypes.IsBufferView(member.Type):
                    {
                        // `conn.Memory`, `buf.Span`: a view held by (or made from) the instance.
                        var path = ResolvePath(LendingModel.StripConversions(member.Instance));
                        if (path != null)
                        {
                            return path;
                        }

                        operation = member.Instance;
                        continue;
                    }

                default:
                    return null;
            }
        }

        return null;
    }

    /// <summary>
    /// The memory a call may return (or hand out) a view of: its receiver or first argument, when that is memory and the
    /// call does not copy it. Only memory makes a view of memory: ArrayPool&lt;byte&gt;.Shared.Rent() is not a view of the pool.
    /// </summary>
    public static IOperation? ViewedOperand(IInvocationOperation invocation)
    {
        var source = invocation.Instance ?? (invocation.Arguments.Length > 0 ? invocation.Arguments[0].Value : null);
        return source == null || BufferTypes.IsCopy(invocation) || !BufferTypes.IsBufferView(LendingModel.StripConversions(source).Type)
            ? null
            : source;
    }

    /// <summary>Where the memory a pointer expression points to lives, when it is stack or fixed-pinned memory (<paramref name="state"/> knows the pointer locals').</summary>
    public PointerOrigin? ComputeOrigin(IOperation operation, OwnershipState state)
    {
        operation = LendingModel.StripConversions(operation);
        var syntax = operation.Syntax;
        if (syntax.IsKind(SyntaxKind.StackAllocArrayCreationExpression) || syntax.IsKind(SyntaxKind.ImplicitStackAllocArrayCreationExpression))
        {
            return PointerOrigin.Stack;
        }

        if (operation is IAddressOfOperation addressOf)
        {
            var reference = LendingModel.StripConversions(addressOf.Reference);
            while (reference is IFieldReferenceOperation field && field.Instance != null && field.Instance.Type?.IsValueType == true
                && !(field.Instance is IInstanceReferenceOperation))
            {
                // `&header.Magic`: a field of a struct lives where the struct does.
                reference = LendingModel.StripConversions(field.Instance);
            }

            if (reference is ILocalReferenceOperation || (reference is IParameterReferenceOperation parameter && parameter.Parameter.RefKind == RefKind.None))
            {
                return PointerOrigin.Stack;
            }

            return null;
        }

        if (operation is ILocalReferenceOperation local && local.Local.IsFixed)
        {
            return new PointerOrigin(local.Local);
        }

        var path = ResolvePath(operation);
        if (path != null && state.Origins.TryGetValue(path, out var origin))
        {
            return origin;
        }

        return null;
    }
}
