using System.Reflection;

namespace UringSafe.Tests.Support;

/// <summary>
/// .NET's rule that Dispose may be called more than once, checked by reflection over a shipped assembly: every public
/// disposable type must have a case that makes a live instance, and a repeated Dispose/DisposeAsync must do nothing.
/// Shared by the runtime's and the Kestrel transport's tests (linked into the latter).
/// </summary>
internal static class RepeatedDispose
{
    /// <summary>The concrete public types of <paramref name="assembly"/> that implement IDisposable or IAsyncDisposable
    /// (abstract ones are covered by their concrete subclasses).</summary>
    public static IEnumerable<Type> PublicDisposableTypes(Assembly assembly)
        => assembly.GetExportedTypes()
            .Where(t => !t.IsAbstract && !t.IsInterface && (typeof(IDisposable).IsAssignableFrom(t) || typeof(IAsyncDisposable).IsAssignableFrom(t)))
            .OrderBy(t => t.FullName, StringComparer.Ordinal);

    /// <summary>Fails naming each public disposable type of <paramref name="assembly"/> that has no case.</summary>
    public static void AssertEveryTypeHasACase(Assembly assembly, IEnumerable<Type> cases)
    {
        var covered = cases.ToHashSet();
        string[] missing = PublicDisposableTypes(assembly).Where(t => !covered.Contains(t)).Select(t => t.FullName!).ToArray();
        Assert.True(missing.Length == 0,
            $"Public disposable type(s) of {assembly.GetName().Name} without a repeated-Dispose case: {string.Join(", ", missing)}. " +
            "Add a case that makes a live instance (and make its Dispose idempotent).");
        string[] stale = covered.Where(t => !PublicDisposableTypes(assembly).Contains(t)).Select(t => t.FullName!).ToArray();
        Assert.True(stale.Length == 0, $"Cases for types that are no longer public disposables of {assembly.GetName().Name}: {string.Join(", ", stale)}.");
    }

    /// <summary>
    /// For every way to dispose an instance twice that <typeparamref name="T"/> supports (Dispose twice, DisposeAsync
    /// twice, one then the other), makes a fresh instance with <paramref name="make"/> and checks that the second call
    /// throws nothing. Then, when <paramref name="use"/> is given, that using a disposed instance is still an
    /// <see cref="ObjectDisposedException"/>.
    /// </summary>
    public static async Task TwiceAsync<T>(Func<Task<T>> make, Func<T, Task>? use = null) where T : notnull
    {
        T first = await make();
        var ways = new List<(string Name, Func<object, ValueTask> First, Func<object, ValueTask> Second)>();
        if (first is IDisposable)
            ways.Add(("Dispose, Dispose", Sync, Sync));
        if (first is IAsyncDisposable)
            ways.Add(("DisposeAsync, DisposeAsync", Async, Async));
        if (first is IDisposable and IAsyncDisposable)
        {
            ways.Add(("Dispose, DisposeAsync", Sync, Async));
            ways.Add(("DisposeAsync, Dispose", Async, Sync));
        }
        T last = first;
        for (int i = 0; i < ways.Count; i++)
        {
            T instance = i == 0 ? first : await make();
            var (name, once, again) = ways[i];
            await once(instance);
            Exception? repeat = await Record(() => again(instance));
            Assert.True(repeat is null, $"{typeof(T).Name}: {name} threw on the repeat: {repeat}");
            last = instance;
        }
        if (use is not null)
        {
            Exception? used = await Record(() => new ValueTask(use(last)));
            Assert.True(used is ObjectDisposedException, $"{typeof(T).Name}: using it after Dispose should throw ObjectDisposedException, got {used?.ToString() ?? "nothing"}");
        }
    }

    /// <summary>As <see cref="TwiceAsync{T}(Func{Task{T}}, Func{T, Task}?)"/> for an instance made synchronously.</summary>
    public static Task Twice<T>(Func<T> make, Action<T>? use = null) where T : notnull
        => TwiceAsync(() => Task.FromResult(make()), use is null ? null : t =>
        {
            use(t);
            return Task.CompletedTask;
        });

    /// <summary>As <see cref="TwiceAsync{T}(Func{Task{T}}, Func{T, Task}?)"/> for an instance made synchronously and
    /// an asynchronous use.</summary>
    public static Task Twice<T>(Func<T> make, Func<T, Task> use) where T : notnull
        => TwiceAsync(() => Task.FromResult(make()), use);

    private static ValueTask Sync(object o)
    {
        ((IDisposable)o).Dispose();
        return ValueTask.CompletedTask;
    }

    private static ValueTask Async(object o) => ((IAsyncDisposable)o).DisposeAsync();

    private static async Task<Exception?> Record(Func<ValueTask> action)
    {
        try
        {
            await action();
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }
}
